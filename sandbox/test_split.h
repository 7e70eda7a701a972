// Splitting a Python test file into setup and test blocks (for `ilf exec --tests`).
#pragma once

#include <string>
#include <vector>

namespace ilf::sandbox {

struct SplitTests {
  std::string setup;               // the top-level statements before the first assert
  std::vector<std::string> tests;  // one per top-level `assert` (with its continuation lines),
                                   // preceded by the statements between it and the previous
                                   // assert; the last also holds the statements after it
};

// The file's bytes are kept as they are; so that every block decodes as the whole file does,
// blocks that do not start the file begin with its UTF-8 byte order mark and its PEP 263 coding
// declaration line when it has them (such a block's line numbers are then one more than its
// statements' own count).
//
// Splits at top-level statement boundaries: a line starting in column 0 outside brackets,
// strings and backslash continuations starts a statement, except `else`/`elif`/`except`/
// `finally`/`case` clauses and decorated definitions, which stay with their statement. Run in
// order (setup, then each test), the blocks run the file's statements in the file's order.
SplitTests SplitTestFile(const std::string& source);

// What makes a later block of `source` decode as the file does: the BOM when the file starts with
// one, then line 1 or 2 (line 2 only after a blank or comment line 1, as CPython reads it) when it
// is a coding declaration, with its newline. "" for a plain UTF-8 file.
std::string EncodingPrefix(const std::string& source);

}  // namespace ilf::sandbox
