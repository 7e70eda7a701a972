#include "src/code/indentation.h"

#include <utility>

#include "src/core/error.h"

namespace ilf::code {
namespace {

// CPython's two measures of a line's indentation: tab stops of 8, and tabs counted as 1.
struct Indent {
  int column = 0;
  int alt_column = 0;
  bool operator==(const Indent& other) const {
    return column == other.column && alt_column == other.alt_column;
  }
};

// If the statement at `offset` begins its line (only blanks before it, and the previous line is not
// continued by a trailing backslash), stores its indentation and returns true. Looks back only
// over blanks, so a long line of `a; b; c` costs no more than its length in all.
bool LineIndent(const std::string& source, size_t offset, Indent* indent) {
  size_t line_start = offset;
  while (line_start > 0 && source[line_start - 1] != '\n') {
    char c = source[line_start - 1];
    if (c != ' ' && c != '\t' && c != '\f')
      return false;  // `a = 1; b = 2`: b does not begin a line
    --line_start;
  }
  *indent = Indent{};
  for (size_t i = line_start; i < offset; ++i) {
    if (source[i] == ' ') {
      ++indent->column;
      ++indent->alt_column;
    } else if (source[i] == '\t') {
      indent->column = (indent->column / 8 + 1) * 8;
      ++indent->alt_column;
    } else {  // '\f'
      *indent = Indent{};
    }
  }
  if (offset < source.size() && source[offset] == '\\') return false;  // starts with a continuation
  if (line_start == 0) return true;
  size_t end = line_start - 1;  // the '\n'
  if (end > 0 && source[end - 1] == '\r') --end;
  return !(end > 0 && source[end - 1] == '\\');
}

// The indentation of the nearest line before `offset`'s line that holds code (not blank, not only
// a comment); zero when there is none.
Indent PreviousCodeLineIndent(const std::string& source, size_t offset) {
  size_t line_start = source.rfind('\n', offset == 0 ? 0 : offset - 1);
  while (line_start != std::string::npos && line_start > 0) {
    size_t end = line_start;  // the '\n' ending the previous line
    size_t begin = source.rfind('\n', end - 1);
    begin = begin == std::string::npos ? 0 : begin + 1;
    size_t code = source.find_first_not_of(" \t\f\r", begin);
    if (code < end && source[code] != '#') {
      Indent indent;
      LineIndent(source, code, &indent);
      return indent;
    }
    line_start = begin == 0 ? std::string::npos : begin - 1;
  }
  return Indent{};
}

// CPython's message for a statement indented as `indent` where `expected` was due.
const char* IndentMessage(const std::string& source, size_t offset, Indent indent,
                          Indent expected) {
  bool deeper = indent.column > expected.column;
  if (deeper != (indent.alt_column > expected.alt_column) ||
      (indent.column == expected.column) != (indent.alt_column == expected.alt_column)) {
    return "inconsistent use of tabs and spaces in indentation";
  }
  if (indent.column > PreviousCodeLineIndent(source, offset).column) return "unexpected indent";
  return "unindent does not match any outer indentation level";
}

// The offset of the first byte at or after `offset` that is neither blank nor in a comment.
size_t NextCode(const std::string& source, size_t offset) {
  while (offset < source.size()) {
    char c = source[offset];
    if (c == '#') {
      offset = source.find('\n', offset);
      if (offset == std::string::npos) return source.size();
    } else if (c != ' ' && c != '\t' && c != '\f' && c != '\r' && c != '\n') {
      return offset;
    }
    ++offset;
  }
  return source.size();
}

bool IsComment(TSNode node) { return NodeType(node) == "comment"; }

class Checker {
 public:
  explicit Checker(const std::string& source) : source_(source) {}

  void Visit(TSNode root) {
    WalkTree(root, [this](TSNode node) {
      std::string_view type = NodeType(node);
      if (type == "ERROR") return Walk::kSkipChildren;
      if (type == "module") CheckStatements(node, Indent{});
      if (type == "block") CheckBlock(node);
      return Walk::kDescend;
    });
  }

  std::optional<IndentationError> first() { return std::move(first_); }

 private:
  void Report(size_t offset, const char* message) {
    if (!first_ || offset < first_->offset) first_ = IndentationError{offset, message};
  }

  void CheckBlock(TSNode block) {
    for (TSNode child : NamedChildren(block)) {
      if (IsComment(child)) continue;
      Indent indent;
      if (LineIndent(source_, ts_node_start_byte(child), &indent)) {
        CheckStatements(block, indent);
      }
      return;  // the block's first statement sets its indentation (or is on the header's line)
    }
    // No statement: like CPython, point at the first code after the header (or the end).
    Report(NextCode(source_, ts_node_end_byte(block)), "expected an indented block");
  }

  void CheckStatements(TSNode parent, Indent expected) {
    for (TSNode child : NamedChildren(parent)) {
      if (IsComment(child) || NodeType(child) == "ERROR") continue;
      Indent indent;
      size_t offset = ts_node_start_byte(child);
      if (!LineIndent(source_, offset, &indent) || indent == expected) continue;
      Report(offset, IndentMessage(source_, offset, indent, expected));
    }
  }

  const std::string& source_;
  std::optional<IndentationError> first_;
};

}  // namespace

std::optional<IndentationError> FindIndentationError(const Tree& tree, const std::string& source) {
  ILF_CHECK(source.size() == tree.source().size(), "indentation check on a different text");
  Checker checker(source);
  checker.Visit(tree.Root());
  return checker.first();
}

}  // namespace ilf::code
