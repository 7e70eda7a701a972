#include "sandbox/test_split.h"

#include <gtest/gtest.h>

namespace ilf::sandbox {
namespace {

TEST(TestSplitTest, AssertsAreTestsAndTheRestIsSetup) {
  SplitTests split = SplitTestFile(
      "import math\n"
      "assert f(1) == 2\n"
      "def helper(x):\n"
      "    assert x\n"
      "    return x\n"
      "\n"
      "assert f(\n"
      "    2) == [1,\n"
      "           2]\n"
      "assert g('''a\n"
      "assert not a test''') == 1  # comment (\n"
      "x = 1 \\\n"
      "  + 2\n"
      "assertion_count = 3\n");
  ASSERT_EQ(split.tests.size(), 3u);
  EXPECT_EQ(split.tests[0], "assert f(1) == 2\n");
  // Issue 13 item 3: statements between asserts run where they stand, not all before the tests.
  EXPECT_EQ(
      split.tests[1],
      "def helper(x):\n    assert x\n    return x\n\nassert f(\n    2) == [1,\n           2]\n");
  EXPECT_EQ(split.tests[2],
            "assert g('''a\nassert not a test''') == 1  # comment (\nx = 1 \\\n  + 2\n"
            "assertion_count = 3\n");
  EXPECT_EQ(split.setup, "import math\n");
}

TEST(TestSplitTest, ClausesAndDecoratorsStayWithTheirStatement) {
  SplitTests split = SplitTestFile(
      "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n"
      "@decorator\ndef f():\n    pass\nassert True\n");
  ASSERT_EQ(split.tests.size(), 1u);
  EXPECT_EQ(split.setup,
            "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n"
            "@decorator\ndef f():\n    pass\n");
}

TEST(TestSplitTest, CrLfAndEmptyInput) {
  EXPECT_TRUE(SplitTestFile("").tests.empty());
  SplitTests split = SplitTestFile("assert a == 1\r\nassert b\r\n");
  ASSERT_EQ(split.tests.size(), 2u);
  EXPECT_EQ(split.tests[1], "assert b\n");
}

}  // namespace
}  // namespace ilf::sandbox
