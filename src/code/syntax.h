// Syntax check of a Python program without starting Python.
//
// Policy: report an error only when CPython would refuse the source too, so a COMPILE_ERROR decided
// here is never wrong for valid Python 3; a wrong "ok" is harmless because the sandbox compiles the
// program anyway. The check reports, whichever comes first in the source:
//   - a NUL byte (CPython: "source code cannot contain null bytes");
//   - the first ERROR or MISSING node of the tree-sitter-python 0.23.6 parse;
//   - indentation errors tree-sitter accepts but CPython refuses (indentation.h): an empty block,
//     an unexpected indent, an unindent to no outer level, inconsistent tabs and spaces.
// Where tree-sitter reads valid Python differently from CPython (a line inside brackets dedented
// below its block, a space before a tab, a lone '\r' line break, columns over 255), the source is
// rewritten first (rewrite.h). Known corners reported "ok" and left to the sandbox: Python 2
// statements (`print x`, `exec code`: both in the grammar), semantic errors (`return` outside a
// function, `break` outside a loop, duplicate arguments, assignment to some literals), invalid
// UTF-8, and any single top-level statement over 30,000 tokens (parser.h, kMaxParseTokens:
// libtree-sitter 0.20.7 corrupts its heap near 2^16; larger programs are checked in chunks of
// whole statements). Verified: zero errors on the 974 MBPP, 427 sanitized MBPP and 164 HumanEval
// reference programs and their tests (tests/code/syntax_data_test.cc), and zero false errors
// against CPython 3.11 `compile` on 85,350 mutated MBPP/HumanEval programs (35,129 of them
// valid), 96-97% of the invalid ones caught (tests/code/syntax_cpython_test.cc runs 9,104).
#pragma once

#include <string>
#include <string_view>

namespace ilf::code {

struct SyntaxCheck {
  bool ok = true;       // false when a certain syntax error was found
  int line = 0;         // 1-based line of the first error (0 when ok)
  int column = 0;       // 1-based column of the first error, in code points like CPython's offset
  std::string message;  // e.g. "unexpected ')'", "missing ':'", "unexpected end of input"

  // "line L, column C: message", or "ok".
  std::string ToString() const;
};

// Checks Python 3 source (UTF-8). Thread-safe; never throws for any input text.
SyntaxCheck CheckSyntax(std::string_view source);

}  // namespace ilf::code
