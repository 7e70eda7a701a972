#include "src/code/rewrite.h"

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

// Rewrites the blanks starting at `start` (a line start) so that tree-sitter's count (space 1, tab
// 8, '\r' and '\f' restart at 0) equals CPython's column (tab to the next multiple of 8, '\f'
// restarts at 0). Returns the index past the blanks.
size_t CanonicalizeIndent(std::string& text, size_t start) {
  size_t end = start;
  int cpython = 0;
  int tree_sitter = 0;
  for (; end < text.size(); ++end) {
    char c = text[end];
    if (c == ' ') {
      ++cpython;
      ++tree_sitter;
    } else if (c == '\t') {
      cpython = (cpython / 8 + 1) * 8;
      tree_sitter += 8;
    } else if (c == '\f') {
      cpython = tree_sitter = 0;
    } else {
      break;
    }
  }
  if (cpython == tree_sitter) return end;
  // cpython / 8 tabs and cpython % 8 spaces never need more bytes than the original blanks.
  size_t tabs = cpython / 8;
  size_t spaces = cpython % 8;
  size_t padding = (end - start) - tabs - spaces;
  text.replace(start, end - start,
               std::string(padding, '\r') + std::string(tabs, '\t') + std::string(spaces, ' '));
  return end;
}

}  // namespace

std::string NormalizeLineBreaks(std::string_view source) {
  std::string text(source);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) text[i] = '\n';
  }
  return text;
}

std::string RewriteForTreeSitter(std::string_view source) {
  std::string text(source);
  int depth = 0;
  size_t i = CanonicalizeIndent(text, 0);
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
        i = CanonicalizeIndent(text, i + 1);
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
  return text;
}

Tree ParseAsCPythonReads(std::string_view source) {
  return ParsePython(RewriteForTreeSitter(NormalizeLineBreaks(source)));
}

}  // namespace ilf::code
