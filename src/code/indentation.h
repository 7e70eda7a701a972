// Indentation errors that tree-sitter-python accepts but CPython refuses (internal to syntax.cc).
//
// tree-sitter-python is lenient about indentation: it parses `def f():\nreturn 1` with an empty
// body, and an indented first line or an over-indented statement at module level as ordinary
// statements. CPython raises IndentationError/TabError for these. This check finds them in a parsed
// tree:
//   - a block with no statements (only comments or nothing) -> "expected an indented block";
//   - a statement that begins a line at module level with any indentation -> "unexpected indent";
//   - a statement that begins a line inside a block with an indentation other than the block's
//   first
//     statement -> "unindent does not match any outer indentation level" (or "unexpected indent").
// Indentation compares as CPython's tokenizer does: (column with tab stops of 8, column counting a
// tab as 1) must both match. Lines that continue a backslash-terminated line are not checked.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "src/code/parser.h"

namespace ilf::code {

struct IndentationError {
  size_t offset = 0;    // byte offset of the offending statement (or of the empty block's header)
  std::string message;  // CPython's wording
};

// The first indentation error in source order, if any. Subtrees under ERROR nodes are skipped.
// `source` is the text the tree's offsets refer to, before RewriteForTreeSitter (same length).
std::optional<IndentationError> FindIndentationError(const Tree& tree, const std::string& source);

}  // namespace ilf::code
