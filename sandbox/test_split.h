// Splitting a Python test file into setup and test blocks (for `ilf exec --tests`).
#pragma once

#include <string>
#include <vector>

namespace ilf::sandbox {

struct SplitTests {
  std::string setup;  // every top-level statement that is not an assert, in order
  std::vector<std::string>
      tests;  // each top-level `assert` statement (with its continuation lines)
};

// Splits at top-level statement boundaries: a line starting in column 0 outside brackets,
// strings and backslash continuations starts a statement, except `else`/`elif`/`except`/
// `finally`/`case` clauses and decorated definitions, which stay with their statement. Statements
// starting with `assert` are tests; the rest is setup (setup keeps its line numbers' order, not
// their positions: tests that depend on setup after them see it already run).
SplitTests SplitTestFile(const std::string& source);

}  // namespace ilf::sandbox
