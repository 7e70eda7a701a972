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

// Issue 13 item 2: each block is compiled from bytes on its own, so each must decode as the whole
// file does (PEP 263: a declaration on line 1, or on line 2 after a blank or comment line 1).
TEST(TestSplitTest, EncodingPrefixIsWhatCPythonReadsOfTheFile) {
  struct {
    const char* file;
    const char* prefix;
  } cases[] = {
      {"assert f() == 1\n", ""},
      {"# -*- coding: latin-1 -*-\nassert f() == 1\n", "# -*- coding: latin-1 -*-\n"},
      {"#!/usr/bin/env python3\n# vim: set fileencoding=cp1252 :\nassert 1\n",
       "# vim: set fileencoding=cp1252 :\n"},
      {"\n#coding=latin-1\nassert 1\n", "#coding=latin-1\n"},
      {"import os\n# coding: latin-1\nassert 1\n", ""},     // line 2 after a statement: ignored
      {"# a comment\n# another\n# coding: latin-1\n", ""},  // line 3: ignored
      {"x = 'coding: latin-1'\n", ""},                      // not a comment
      {"\xef\xbb\xbf"
       "assert 1\n",
       "\xef\xbb\xbf"},
      {"\xef\xbb\xbf# coding: utf-8\nassert 1\n", "\xef\xbb\xbf# coding: utf-8\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(EncodingPrefix(c.file), c.prefix) << c.file;
}

TEST(TestSplitTest, EveryBlockDecodesAsTheFileDoes) {
  SplitTests latin1 =
      SplitTestFile("# -*- coding: latin-1 -*-\nassert f() == 'caf\xe9'\nx = 1\nassert g()\n");
  EXPECT_EQ(latin1.setup, "# -*- coding: latin-1 -*-\n");
  ASSERT_EQ(latin1.tests.size(), 2u);
  EXPECT_EQ(latin1.tests[0], "# -*- coding: latin-1 -*-\nassert f() == 'caf\xe9'\n");
  EXPECT_EQ(latin1.tests[1], "# -*- coding: latin-1 -*-\nx = 1\nassert g()\n");
  // A byte order mark: the first assert is still a test, and every block starts with the mark.
  SplitTests bom = SplitTestFile(
      "\xef\xbb\xbf"
      "assert f() == 1\nassert g()\n");
  EXPECT_EQ(bom.setup, "");
  ASSERT_EQ(bom.tests.size(), 2u);
  EXPECT_EQ(bom.tests[0],
            "\xef\xbb\xbf"
            "assert f() == 1\n");
  EXPECT_EQ(bom.tests[1],
            "\xef\xbb\xbf"
            "assert g()\n");
  // Bytes that are not UTF-8 stay as they are (CPython, not the splitter, refuses them).
  SplitTests invalid = SplitTestFile("assert f() == 'caf\xe9'\n");
  ASSERT_EQ(invalid.tests.size(), 1u);
  EXPECT_EQ(invalid.tests[0], "assert f() == 'caf\xe9'\n");
}

}  // namespace
}  // namespace ilf::sandbox
