#include "src/code/syntax.h"

#include <fmt/format.h>

#include "src/code/indentation.h"
#include "src/code/parser.h"
#include "src/code/rewrite.h"

namespace ilf::code {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool IsErrorNode(TSNode node) { return NodeType(node) == "ERROR"; }

// The first ERROR or MISSING node in source order; a null node when the tree has none.
TSNode FirstErrorNode(TSNode root) {
  TSNode found{};
  WalkTree(root, [&found](TSNode node) {
    if (IsErrorNode(node) || ts_node_is_missing(node)) {
      found = node;
      return Walk::kStop;
    }
    return ts_node_has_error(node) ? Walk::kDescend : Walk::kSkipChildren;
  });
  return found;
}

// At most 30 bytes of the first line of `text`, cut at a UTF-8 boundary, quoted.
std::string Quote(std::string_view text) {
  text = text.substr(0, text.find_first_of("\r\n"));
  if (text.size() <= 30) return fmt::format("'{}'", text);
  size_t cut = 30;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("'{}...'", text.substr(0, cut));
}

// Describes an ERROR or MISSING node; `offset` receives where to point at.
std::string Describe(const Tree& tree, TSNode error, size_t* offset) {
  *offset = ts_node_start_byte(error);
  std::string_view type = NodeType(error);
  if (ts_node_is_missing(error)) {
    return ts_node_is_named(error) ? fmt::format("missing {}", type)
                                   : fmt::format("missing '{}'", type);
  }
  std::string_view text = tree.Text(error);
  if (text.empty()) return "unexpected end of input";
  bool single_token = ts_node_child_count(error) <= 1;
  return single_token ? fmt::format("unexpected {}", Quote(text))
                      : fmt::format("cannot parse {}", Quote(text));
}

// 1-based line and code-point column of byte `offset`.
void Locate(std::string_view source, size_t offset, SyntaxCheck* check) {
  check->line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') {
      ++check->line;
      line_start = i + 1;
    }
  }
  check->column = 1;
  for (size_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) ++check->column;
  }
}

}  // namespace

std::string SyntaxCheck::ToString() const {
  if (ok) return "ok";
  return fmt::format("line {}, column {}: {}", line, column, message);
}

SyntaxCheck CheckSyntax(std::string_view source) {
  SyntaxCheck check;
  if (size_t nul = source.find('\0'); nul != std::string_view::npos) {
    check.ok = false;
    check.message = "source contains a NUL byte";
    Locate(source, nul, &check);
    return check;
  }
  // CPython skips a leading UTF-8 byte order mark; tree-sitter would not.
  size_t skipped = source.substr(0, kUtf8Bom.size()) == kUtf8Bom ? kUtf8Bom.size() : 0;
  // The rewrites keep the length, so offsets into the trees are offsets into `text`. A statement
  // too large to parse safely (ParsedSource::complete) is left to the sandbox.
  std::string text = NormalizeLineBreaks(source.substr(skipped));
  ParsedSource parsed = ParseAsCPythonReads(text);

  std::optional<size_t> offset;
  for (const Tree& tree : parsed.trees) {
    TSNode error = FirstErrorNode(tree.Root());
    if (!ts_node_is_null(error)) {
      size_t at = 0;
      std::string message = Describe(tree, error, &at);
      if (!offset || at < *offset) {
        check.message = message;
        offset = at;
      }
    }
    if (auto indentation = FindIndentationError(tree, text); indentation) {
      if (!offset || indentation->offset < *offset) {
        check.message = indentation->message;
        offset = indentation->offset;
      }
    }
  }
  if (!offset) return check;
  check.ok = false;
  Locate(text, *offset, &check);
  return check;
}

}  // namespace ilf::code
