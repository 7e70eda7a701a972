// Same-length rewriting of Python source around tree-sitter-python's scanner (internal to
// src/code).
//
// tree-sitter-python 0.23.6 reads two things differently from CPython:
//   - it emits a DEDENT for a line inside brackets indented less than the enclosing block
//     (`def f():\n    x = g(1,\n2)` gets an ERROR), while CPython ignores line breaks in brackets;
//   - it counts a tab as 8 columns, while CPython advances to the next multiple of 8, so a space
//     before a tab (`  \tx`) indents differently.
// RewriteForTreeSitter, outside string literals, replaces every line break (with a backslash
// continuing it) and every comment inside brackets with spaces, and rewrites the leading blanks of
// each logical line as '\r' padding (tree-sitter restarts its column count at '\r'), tabs and
// spaces that tree-sitter counts to CPython's column. The result is for tree-sitter only: its tree
// of the result is the structure CPython reads in the input. The length never changes, so byte
// offsets into the result are byte offsets into the input. A lexical scan, not a parse: string
// literals are skipped by their quotes, so a Python 3.12 f-string that nests its own quote
// character can mislead it (such f-strings are a syntax error before Python 3.12 anyway).
#pragma once

#include <string>
#include <string_view>

#include "src/code/parser.h"

namespace ilf::code {

// `source` with each lone '\r' made '\n' (CPython reads both as a line break).
std::string NormalizeLineBreaks(std::string_view source);

// The rewriting described above. Expects NormalizeLineBreaks output.
std::string RewriteForTreeSitter(std::string_view text);

// Parses RewriteForTreeSitter(NormalizeLineBreaks(source)): the tree CPython's reading of `source`
// would give. Offsets index `source`; Tree::Text returns the rewritten bytes (identifiers, strings
// and operators are never rewritten; use offsets into `source` to quote comments or line breaks).
Tree ParseAsCPythonReads(std::string_view source);

}  // namespace ilf::code
