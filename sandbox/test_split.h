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

// Splits at top-level statement boundaries: a line starting in column 0 outside brackets,
// strings and backslash continuations starts a statement, except `else`/`elif`/`except`/
// `finally`/`case` clauses and decorated definitions, which stay with their statement. Run in
// order (setup, then each test), the blocks run the file's statements in the file's order.
SplitTests SplitTestFile(const std::string& source);

}  // namespace ilf::sandbox
