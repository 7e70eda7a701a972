#include "src/code/rewrite.h"

#include <gtest/gtest.h>

namespace ilf::code {
namespace {

TEST(NormalizeLineBreaks, LoneCarriageReturnsBecomeNewlines) {
  EXPECT_EQ(NormalizeLineBreaks("a\rb\r\nc\r"), "a\nb\r\nc\n");
}

TEST(RewriteForTreeSitter, JoinsLinesInsideBracketsOnly) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"f(1,\n2)\nx\n", "f(1, 2)\nx\n"},
      {"f(1,\r\n2)\n", "f(1,  2)\n"},
      {"f(1, # c\n2)\n", "f(1,     2)\n"},
      {"# (\nx\n", "# (\nx\n"},                      // a bracket in a comment does not count
      {"s = '('\nx\n", "s = '('\nx\n"},              // nor one in a string
      {"s = '''(\n'''\nx\n", "s = '''(\n'''\nx\n"},  // string contents are never touched
      {"f('\\')',\n2)\n", "f('\\')', 2)\n"},         // escaped quote
      {"f([1,\\\n2])\n", "f([1,  2])\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(RewriteForTreeSitter(c.in), c.out) << c.in;
}

TEST(RewriteForTreeSitter, IndentationIsCountedAsCPythonDoes) {
  // "  \t" is column 8 for CPython, 10 for tree-sitter: rewritten as '\r' padding plus one tab.
  EXPECT_EQ(RewriteForTreeSitter("if x:\n  \tpass\n"), "if x:\n\r\r\tpass\n");
  EXPECT_EQ(RewriteForTreeSitter("\t  x\n"), "\t  x\n");  // already equal: unchanged
  EXPECT_EQ(RewriteForTreeSitter(" \t  x\n"), "\r\t  x\n");
}

TEST(RewriteForTreeSitter, ColumnsBeyondWhatTreeSitterHoldsBecomeRanks) {
  // Columns 0, 300 and 600 become 0, 1 and 2 ('\r' padding keeps the length).
  std::string in = "if a:\n" + std::string(300, ' ') + "if b:\n" + std::string(600, ' ') + "c\n";
  std::string expected =
      "if a:\n" + std::string(299, '\r') + " if b:\n" + std::string(598, '\r') + "  c\n";
  EXPECT_EQ(RewriteForTreeSitter(in), expected);
}

TEST(RewriteForTreeSitter, ListsWhereTopLevelStatementsMayStart) {
  const std::string text =
      "import a\n"       // 0
      "# note\n"         // 9: a comment line just before a statement start
      "def f(x,\n"       // 16
      "y):\n"            // 25: inside brackets
      "    pass\n"       // 29: indented
      "if x:\n"          // 38
      "    pass\n"       // 44
      "else:\n"          // 53: continues the if
      "    pass\n"       // 59
      "@dec\n"           // 68
      "class C: pass\n"  // 73: follows a decorator
      "s = '''\n"        // 87
      "not a start\n"    // 95: inside a string
      "'''\n";           // 107
  std::vector<size_t> starts;
  RewriteForTreeSitter(text, &starts);
  EXPECT_EQ(starts, (std::vector<size_t>{0, 9, 16, 38, 68, 87}));
}

TEST(RewriteForTreeSitter, KeepsTheLength) {
  const char* inputs[] = {"f(1,\n  2)\n", " \t \t x = (1, # c\n\t2)\n", "'unterminated\n(\n"};
  for (const char* in : inputs) EXPECT_EQ(RewriteForTreeSitter(in).size(), std::string(in).size());
}

}  // namespace
}  // namespace ilf::code
