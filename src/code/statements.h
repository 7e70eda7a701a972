// Splitting a Python test file into its top-level statements.
//
// `ilf exec --tests TESTS.py` runs each top-level `assert` as one test and everything else
// (imports, helper definitions, setup assignments) as code the asserts rely on, in file order. A
// statement is one child of the module: `import m; assert f(1)` on one line is two statements; a
// decorated definition includes its decorators; a compound statement (`for`, `if`, `with`) is one
// statement with its whole body, so asserts inside it are part of an "other" statement.
// Comment-only lines belong to no statement. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ilf::code {

enum class StatementKind {
  kAssert,  // a top-level `assert` statement
  kOther,   // anything else
};

struct Statement {
  StatementKind kind = StatementKind::kOther;
  std::string text;  // the exact source bytes, first to last (inner comments and line breaks kept)
  int first_line = 0;  // 1-based line of the first byte
  int last_line = 0;   // 1-based line of the last byte
};

// The top-level statements of `source`, in order. `file` names the source in errors: a source that
// CheckSyntax rejects throws ilf::Error "FILE:LINE:COLUMN: syntax error: MESSAGE" with a hint.
std::vector<Statement> SplitStatements(std::string_view source, const std::string& file);

}  // namespace ilf::code
