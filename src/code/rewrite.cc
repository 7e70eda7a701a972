#include "src/code/rewrite.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace ilf::code {
namespace {

// The index just past the string literal opening at `start`; text.size() if unterminated.
size_t SkipString(const std::string& text, size_t start) {
  char quote = text[start];
  bool triple = text.compare(start, 3, std::string(3, quote)) == 0;
  size_t i = start + (triple ? 3 : 1);
  while (i < text.size()) {
    char c = text[i];
    if (c == '\\') {
      i += 2;  // an escaped character never ends the literal, raw or not
    } else if (triple && text.compare(i, 3, std::string(3, quote)) == 0) {
      return i + 3;
    } else if (!triple && c == quote) {
      return i + 1;
    } else if (!triple && c == '\n') {
      return i;  // unterminated single-quoted literal: CPython fails here too
    } else {
      ++i;
    }
  }
  return text.size();
}

// tree-sitter-python's scanner saves indentation columns as bytes: deeper ones wrap around.
constexpr int kMaxTreeSitterColumn = 255;

// The blanks at the start of a logical line and the column each reader gives them.
struct IndentRun {
  size_t start = 0;
  size_t end = 0;       // past the blanks
  int cpython = 0;      // tab to the next multiple of 8, '\f' restarts at 0
  int tree_sitter = 0;  // tab 8, '\r' and '\f' restart at 0
};

IndentRun MeasureIndent(const std::string& text, size_t start) {
  IndentRun run;
  run.start = start;
  for (run.end = start; run.end < text.size(); ++run.end) {
    char c = text[run.end];
    if (c == ' ') {
      ++run.cpython;
      ++run.tree_sitter;
    } else if (c == '\t') {
      run.cpython = (run.cpython / 8 + 1) * 8;
      run.tree_sitter += 8;
    } else if (c == '\f') {
      run.cpython = run.tree_sitter = 0;
    } else {
      break;
    }
  }
  return run;
}

// Rewrites a run as '\r' padding, tabs and spaces that tree-sitter counts to `column`. Needs
// column / 8 + column % 8 bytes, which never exceeds the run when `column` <= its CPython column.
void WriteIndent(std::string& text, const IndentRun& run, int column) {
  size_t tabs = column / 8;
  size_t spaces = column % 8;
  size_t padding = (run.end - run.start) - tabs - spaces;
  text.replace(run.start, run.end - run.start,
               std::string(padding, '\r') + std::string(tabs, '\t') + std::string(spaces, ' '));
}

// Gives each line the column CPython reads. Where some column exceeds what tree-sitter can hold,
// columns are replaced by their rank among the file's columns: indentation only ever compares
// columns, so the order is all that matters.
void RewriteIndents(std::string& text, const std::vector<IndentRun>& runs) {
  std::vector<int> columns = {0};
  for (const IndentRun& run : runs) columns.push_back(run.cpython);
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  bool rank = columns.back() > kMaxTreeSitterColumn;
  for (const IndentRun& run : runs) {
    int column = run.cpython;
    if (rank) {
      column = static_cast<int>(std::lower_bound(columns.begin(), columns.end(), column) -
                                columns.begin());
    }
    if (column != run.tree_sitter) WriteIndent(text, run, column);
  }
}

// Whether the code at `start` (a line start) continues the compound statement before it.
bool ContinuesStatement(const std::string& text, size_t start) {
  for (std::string_view keyword : {"else", "elif", "except", "finally"}) {
    if (text.compare(start, keyword.size(), keyword) != 0) continue;
    size_t after = start + keyword.size();
    if (after == text.size()) return true;
    char c = text[after];
    bool identifier = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || (static_cast<unsigned char>(c) & 0x80) != 0;
    if (!identifier) return true;
  }
  return false;
}

}  // namespace

std::string NormalizeLineBreaks(std::string_view source) {
  std::string text(source);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) text[i] = '\n';
  }
  return text;
}

std::string RewriteForTreeSitter(std::string_view source, std::vector<size_t>* statement_starts) {
  std::string text(source);
  std::vector<IndentRun> runs;
  bool after_decorator = false;
  std::vector<size_t> comment_lines;  // column-0 comment lines since the last code line
  // Records the indentation of the line starting at `start`, unless the line is blank, and whether
  // a top-level statement may start there; returns where scanning goes on.
  auto line_start = [&](size_t start) {
    IndentRun run = MeasureIndent(text, start);
    bool blank = run.end == text.size() || text[run.end] == '\n' || text[run.end] == '\r';
    if (blank) return run.end;
    runs.push_back(run);
    if (run.end == start && text[start] == '#') {
      comment_lines.push_back(start);
    } else if (run.end == start) {
      if (statement_starts != nullptr && !after_decorator && !ContinuesStatement(text, start)) {
        // Comment lines before a statement start are places to split too (long comment runs).
        statement_starts->insert(statement_starts->end(), comment_lines.begin(),
                                 comment_lines.end());
        statement_starts->push_back(start);
      }
      after_decorator = text[start] == '@';
      comment_lines.clear();
    } else if (text[run.end] != '#') {
      comment_lines.clear();  // indented code: the comments were inside a block
    }
    return run.end;
  };
  int depth = 0;
  size_t i = line_start(0);
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      i = SkipString(text, i);
      continue;
    }
    if (c == '#') {
      size_t end = text.find('\n', i);
      if (end == std::string::npos) end = text.size();
      if (depth > 0) text.replace(i, end - i, end - i, ' ');
      i = end;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      depth = depth > 0 ? depth - 1 : 0;
    } else if (c == '\n' && depth == 0) {
      bool continued =
          i > 0 && (text[i - 1] == '\\' || (text[i - 1] == '\r' && i > 1 && text[i - 2] == '\\'));
      if (!continued) {
        i = line_start(i + 1);
        continue;
      }
    } else if (depth > 0 && (c == '\r' || c == '\n')) {
      text[i] = ' ';
    } else if (depth > 0 && c == '\\' && i + 1 < text.size() &&
               (text[i + 1] == '\n' || text[i + 1] == '\r')) {
      text[i] = ' ';
    }
    ++i;
  }
  RewriteIndents(text, runs);
  return text;
}

ParsedSource ParseAsCPythonReads(std::string_view source) {
  std::vector<size_t> starts;
  auto text = std::make_shared<const std::string>(
      RewriteForTreeSitter(NormalizeLineBreaks(source), &starts));
  ParsedSource parsed;
  Parser parser;
  if (TokenBound(*text) < kMaxParseTokens) {
    parsed.trees.push_back(parser.Parse(text, 0, text->size()));
    return parsed;
  }
  // Runs of whole top-level statements, each as long as one parse may take. Text before the first
  // statement start (comments, blank lines) joins the first run.
  if (starts.empty() || starts.front() != 0) starts.insert(starts.begin(), 0);
  starts.push_back(text->size());
  std::string_view all(*text);
  size_t run_begin = 0;
  size_t run_bound = 0;
  for (size_t k = 0; k + 1 < starts.size(); ++k) {
    size_t bound = TokenBound(all.substr(starts[k], starts[k + 1] - starts[k]));
    if (run_bound + bound < kMaxParseTokens) {
      run_bound += bound;
      continue;
    }
    if (starts[k] > run_begin) parsed.trees.push_back(parser.Parse(text, run_begin, starts[k]));
    run_begin = starts[k];
    run_bound = bound;
    if (bound >= kMaxParseTokens) {  // one statement too large on its own: left unparsed
      if (parsed.complete) parsed.unparsed_offset = starts[k];
      parsed.complete = false;
      run_begin = starts[k + 1];
      run_bound = 0;
    }
  }
  if (run_begin < text->size()) parsed.trees.push_back(parser.Parse(text, run_begin, text->size()));
  return parsed;
}

}  // namespace ilf::code
