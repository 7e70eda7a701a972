#include "src/code/statements.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf::code {
namespace {

TEST(SplitStatements, TopLevelStatementsWithKindsTextAndLines) {
  const char* tests = R"(import math; from m import x
# a comment

def helper(a,
           b):  # inner comment
    assert a  # an assert inside a definition
    return b

@decorator
class C: pass
assert helper(1,
  2) == 2, "message"   # trailing comment
for i in range(3):
    assert i < 3
assert math.isclose(1.0, 1.0)
)";
  std::vector<Statement> statements = SplitStatements(tests, "t.py");
  ASSERT_EQ(statements.size(), 7u);
  struct Expected {
    StatementKind kind;
    const char* text;
    int first_line;
    int last_line;
  } expected[] = {
      {StatementKind::kOther, "import math", 1, 1},
      {StatementKind::kOther, "from m import x", 1, 1},
      {StatementKind::kOther,
       "def helper(a,\n           b):  # inner comment\n    assert a  # an assert inside a "
       "definition\n    return b",
       4, 7},
      {StatementKind::kOther, "@decorator\nclass C: pass", 9, 10},
      {StatementKind::kAssert, "assert helper(1,\n  2) == 2, \"message\"", 11, 12},
      {StatementKind::kOther, "for i in range(3):\n    assert i < 3", 13, 14},
      {StatementKind::kAssert, "assert math.isclose(1.0, 1.0)", 15, 15},
  };
  for (size_t i = 0; i < statements.size(); ++i) {
    EXPECT_EQ(statements[i].kind, expected[i].kind) << i;
    EXPECT_EQ(statements[i].text, expected[i].text) << i;
    EXPECT_EQ(statements[i].first_line, expected[i].first_line) << i;
    EXPECT_EQ(statements[i].last_line, expected[i].last_line) << i;
  }
}

TEST(SplitStatements, CommentsInsideBracketsAndDedentedLinesAreKept) {
  std::vector<Statement> statements =
      SplitStatements("assert f([1,  # one\n2]) == 3\r\nassert g()\r\n", "t.py");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].text, "assert f([1,  # one\n2]) == 3");
  EXPECT_EQ(statements[0].last_line, 2);
  EXPECT_EQ(statements[1].text, "assert g()");
  EXPECT_EQ(statements[1].first_line, 3);
}

TEST(SplitStatements, EmptyAndCommentOnlySourcesHaveNoStatements) {
  EXPECT_TRUE(SplitStatements("", "t.py").empty());
  EXPECT_TRUE(SplitStatements("# nothing\n\n", "t.py").empty());
}

TEST(SplitStatements, SyntaxErrorNamesFileLineAndColumn) {
  try {
    SplitStatements("assert f(1) == 1\nassert f(2 == 2\n", "tests/t.py");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind("tests/t.py:2:", 0), 0u) << message;
    EXPECT_NE(message.find("hint:"), std::string::npos) << message;
    EXPECT_EQ(e.exit_code(), kExitUsage);
  }
}

TEST(SplitStatements, LargeTestFilesSplitInChunksAndHugeStatementsAreRefused) {
  std::string tests = "import math\n";
  for (int i = 0; i < 20000; ++i) tests += "assert f(" + std::to_string(i) + ") == 1\n";
  std::vector<Statement> statements = SplitStatements(tests, "big.py");
  ASSERT_EQ(statements.size(), 20001u);
  EXPECT_EQ(statements.back().text, "assert f(19999) == 1");
  EXPECT_EQ(statements.back().first_line, 20001);
  std::string huge = "assert f(" + std::string(70000, '[') + std::string(70000, ']') + ")\n";
  try {
    SplitStatements("x = 1\n" + huge, "huge.py");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("huge.py:2: a top-level statement is too large", 0), 0u)
        << e.what();
  }
}

TEST(SplitStatementsData, EveryMbppTestListSplitsIntoItsAsserts) {
  ILF_DATA_OR_SKIP(path, "mbpp/mbpp.jsonl");
  int tasks = 0;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    std::string source;
    std::vector<std::string> asserts;
    for (const auto& test : record.Field("test_list")) {
      asserts.push_back(test.get<std::string>());
      source += asserts.back() + "\n";
    }
    std::vector<Statement> statements = SplitStatements(source, record.Where());
    ASSERT_EQ(statements.size(), asserts.size()) << record.Where();
    for (size_t i = 0; i < asserts.size(); ++i) {
      EXPECT_EQ(statements[i].kind, StatementKind::kAssert) << record.Where();
      // MBPP asserts are single lines, some with trailing blanks.
      EXPECT_EQ(statements[i].text,
                asserts[i].substr(0, asserts[i].find_last_not_of(" \t\r\n") + 1))
          << record.Where();
      EXPECT_EQ(statements[i].first_line, static_cast<int>(i) + 1) << record.Where();
    }
    ++tasks;
  }
  EXPECT_EQ(tasks, 974);
}

}  // namespace
}  // namespace ilf::code
