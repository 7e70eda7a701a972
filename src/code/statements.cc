#include "src/code/statements.h"

#include <fmt/format.h>

#include "src/code/rewrite.h"
#include "src/code/syntax.h"
#include "src/core/error.h"

namespace ilf::code {
namespace {

// 1-based line of byte `offset`, counting line breaks as CPython does (see NormalizeLineBreaks).
class LineCounter {
 public:
  explicit LineCounter(std::string_view source) : text_(NormalizeLineBreaks(source)) {}
  // Calls must come with non-decreasing offsets.
  int LineOf(size_t offset) {
    for (; scanned_ < offset && scanned_ < text_.size(); ++scanned_) {
      if (text_[scanned_] == '\n') ++line_;
    }
    return line_;
  }

 private:
  std::string text_;
  size_t scanned_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<Statement> SplitStatements(std::string_view source, const std::string& file) {
  SyntaxCheck check = CheckSyntax(source);
  if (!check.ok) {
    throw Error(
        fmt::format("{}:{}:{}: syntax error: {}; hint: the tests must be valid Python 3 "
                    "(top-level assert statements and the code they need)",
                    file, check.line, check.column, check.message));
  }
  ParsedSource parsed = ParseAsCPythonReads(source);
  if (!parsed.complete) {
    LineCounter at(source);
    throw Error(
        fmt::format("{}:{}: a top-level statement is too large to analyze (over {} tokens); "
                    "hint: split it into several statements",
                    file, at.LineOf(parsed.unparsed_offset), kMaxParseTokens));
  }
  std::vector<Statement> statements;
  LineCounter lines(source);
  for (const Tree& tree : parsed.trees) {
    for (TSNode node : NamedChildren(tree.Root())) {
      std::string_view type = NodeType(node);
      if (type == "comment") continue;
      uint32_t start = ts_node_start_byte(node);
      uint32_t end = ts_node_end_byte(node);
      Statement statement;
      statement.kind = type == "assert_statement" ? StatementKind::kAssert : StatementKind::kOther;
      // Offsets index `source` itself (the rewrite keeps the length); quote the original bytes.
      statement.text = std::string(source.substr(start, end - start));
      statement.first_line = lines.LineOf(start);
      statement.last_line = lines.LineOf(end > start ? end - 1 : start);
      statements.push_back(std::move(statement));
    }
  }
  return statements;
}

}  // namespace ilf::code
