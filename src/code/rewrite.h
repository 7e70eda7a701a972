// Same-length rewriting of Python source around tree-sitter-python's scanner (internal to
// src/code).
//
// tree-sitter-python 0.23.6 reads three things differently from CPython:
//   - it emits a DEDENT for a line inside brackets indented less than the enclosing block
//     (`def f():\n    x = g(1,\n2)` gets an ERROR), while CPython ignores line breaks in brackets;
//   - it counts a tab as 8 columns, while CPython advances to the next multiple of 8, so a space
//     before a tab (`  \tx`) indents differently;
//   - it saves indentation columns as bytes, so columns over 255 wrap around.
// RewriteForTreeSitter, outside string literals, replaces every line break (with a backslash
// continuing it) and every comment inside brackets with spaces, and rewrites the leading blanks of
// each logical line as '\r' padding (tree-sitter restarts its column count at '\r'), tabs and
// spaces that tree-sitter counts to CPython's column (or, when some column exceeds 255, to the
// column's rank among the file's columns: indentation only compares columns). The result is for
// tree-sitter only: its tree of the result is the structure CPython reads in the input. The length
// never changes, so byte offsets into the result are byte offsets into the input. A lexical scan,
// not a parse: string literals are skipped by their quotes, so a Python 3.12 f-string that nests
// its own quote character can mislead it (such f-strings are a syntax error before Python 3.12
// anyway).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "src/code/parser.h"

namespace ilf::code {

// `source` with each lone '\r' made '\n' (CPython reads both as a line break).
std::string NormalizeLineBreaks(std::string_view source);

// The rewriting described above. Expects NormalizeLineBreaks output. With `statement_starts`,
// also lists where top-level statements may start: lines that begin at column 0, outside brackets
// and strings, with code that neither continues the statement before (`else`, `elif`, `except`,
// `finally`) nor follows a decorator line, and the column-0 comment lines just before such a line.
// (An unclosed bracket makes the rest of the text one statement, as it is for CPython.)
std::string RewriteForTreeSitter(std::string_view text,
                                 std::vector<size_t>* statement_starts = nullptr);

// A source parsed as CPython reads it, in one tree or, when larger than one parse may safely take
// (parser.h, kMaxParseTokens), in several trees over consecutive runs of top-level statements.
struct ParsedSource {
  std::vector<Tree> trees;     // in source order; offsets index the caller's source
  size_t unparsed_offset = 0;  // start of the first run left unparsed (one top-level statement
                               // too large on its own); meaningful when !complete
  bool complete = true;        // false when some run was left unparsed
};

// Parses RewriteForTreeSitter(NormalizeLineBreaks(source)). Offsets index `source`; Tree::Text
// returns the rewritten bytes (identifiers, strings and operators are never rewritten; use
// offsets into `source` to quote comments or line breaks).
ParsedSource ParseAsCPythonReads(std::string_view source);

}  // namespace ilf::code
