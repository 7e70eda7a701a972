#include "src/code/syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace ilf::code {
namespace {

TEST(CheckSyntax, ValidPython3IsOk) {
  const char* programs[] = {
      "",
      "def f(x):\n    return x + 1\n",
      "def f(x):\r\n    return x + 1\r\n",  // Windows line endings (MBPP)
      "\xEF\xBB\xBFx = 1\n",                // byte order mark
      "x = 1; y = 2\n",
      "if x: y = 1\n",
      "def f():\n    # comment\n    return 1\n      # odd comment\n",
      "x = [1,\n  2,\n    3]\n",        // indentation inside brackets
      "x = 1 + \\\n    2\n",            // backslash continuation
      "if x:\n\tpass\n\tpass\n",        // tabs only
      "if x:\n \t\tpass\n\t \tpass\n",  // same CPython indentation
      "f(f'{x!r:>10} {y}')\n",
      "async def f():\n    async with a as b:\n        await b\n",
      "match x:\n    case [1, *rest]:\n        pass\n    case _:\n        pass\n",
      "lambda: (yield)\n",
      "é = 1\nprint(é)\n",
      "class A:\n    ...\n",
      "x = 1\n\n\n\n",
      "def f():\n    x = g(1,\n2)\n    return x\n",  // dedented line in brackets
      "def f():\n    x = g(1,  # comment\n# another\n 2)\n",
      "def f():\n    x = [1, \\\n2]\n",
      "if x:\n \tif y:\n         z = 1\n",  // " \t" is column 8 for CPython, 9 for tree-sitter
      "x = 1\ry = 2\r",                     // old Mac line breaks
      "s = '''\nnot code (\n'''\n",
      "def f(a, /, b, *, c=1):\n    return *a, *b\n",
      "try:\n    pass\nexcept* ValueError:\n    pass\n",
      "[y for x in a if (y := f(x))]\n",
      "with (open(a) as f, open(b) as g):\n    pass\n",
      "match p:\n    case Point(x=0) | [1, *_]:\n        pass\n    case str() as s if s:\n        "
      "pass\n",
      "type = 5\nmatch = 1\ncase = 2\nprint(type, match, case)\n",  // soft keywords as names
      "print >>sys.stderr, 'x'\n",  // valid Python 3: a tuple expression
      "x = 0_0 + 1_000j + 0x_ff\ns = rb'' + Rb'\\d'\n",
      "a[*b]\ndel a[0], b\nx = ...\n",
      "s = 'emoji \xF0\x9F\x98\x80'\n",
      "print x\n",  // Python 2: tree-sitter accepts it, the sandbox reports it (documented corner)
  };
  for (const char* program : programs) {
    EXPECT_TRUE(CheckSyntax(program).ok) << program << "\n-> " << CheckSyntax(program).ToString();
  }
}

TEST(CheckSyntax, HugeStatementsAreLeftToTheSandbox) {
  // libtree-sitter 0.20.7 corrupts its heap on ~2^16 nested brackets: such a statement is not
  // parsed, so it is reported "ok" (CPython refuses over 200 levels; the sandbox reports it).
  EXPECT_TRUE(CheckSyntax("x = " + std::string(70000, '[') + "\n").ok);
  std::string parens = "x = " + std::string(70000, '(') + "1" + std::string(70000, ')') + "\n";
  EXPECT_TRUE(CheckSyntax(parens).ok);
  // Errors in the statements around it are still found.
  EXPECT_EQ(CheckSyntax("x = 1\n" + parens + "f(a b)\n").ToString(),
            "line 3, column 5: unexpected 'b'");
}

TEST(CheckSyntax, LargeProgramsAreCheckedInChunks) {
  std::string program;
  for (int i = 0; i < 20000; ++i) program += "def f" + std::to_string(i) + "(x):\n    return x\n";
  EXPECT_TRUE(CheckSyntax(program).ok);
  std::string broken = program + "def g()\n    pass\n" + program;
  EXPECT_EQ(CheckSyntax(broken).ToString(), "line 40001, column 1: cannot parse 'def g()'");
  std::string dedent = program + "def h():\n    x = 1\n  y = 2\n" + program;
  EXPECT_EQ(CheckSyntax(dedent).ToString(),
            "line 40003, column 3: unindent does not match any outer indentation level");
}

TEST(CheckSyntax, DeepIndentationWithinCPythonsLimitIsOk) {
  // 99 nested blocks, 4 spaces each: columns up to 396, beyond the 255 tree-sitter can hold.
  std::string program = "def f(x):\n";
  for (int level = 1; level < 99; ++level) program += std::string(4 * level, ' ') + "if x:\n";
  program += std::string(4 * 99, ' ') + "pass\n    return x\n";
  EXPECT_EQ(CheckSyntax(program).ToString(), "ok");
  program += "  y = 1\n";  // an unindent to no outer level is still reported
  EXPECT_EQ(CheckSyntax(program).ToString(),
            "line 102, column 3: unindent does not match any outer indentation level");
}

struct ErrorCase {
  const char* source;
  int line;
  int column;
  const char* message;
};

TEST(CheckSyntax, ReportsTheFirstErrorWithLineColumnAndMessage) {
  const ErrorCase cases[] = {
      {"def f(:\n  pass\n", 1, 7, "missing ')'"},
      {"x = 1\ny = (1,\n", 2, 1, "cannot parse 'y = (1,'"},
      {"def f()\n  return 1\n", 1, 1, "cannot parse 'def f()'"},
      {"f(a b)\n", 1, 5, "unexpected 'b'"},
      {"é = 1; ü ü\n", 1, 8, "unexpected 'ü'"},  // columns count code points, not bytes (9)
      {"def f():\nreturn 1\n", 2, 1, "expected an indented block"},
      {"def f():\n    # only a comment\n", 3, 1, "expected an indented block"},
      {"  x = 1\n", 1, 3, "unexpected indent"},
      {"x = 1\n  y = 2\n", 2, 3, "unexpected indent"},
      {"def f():\n    x = 1\n  y = 2\n", 3, 3,
       "unindent does not match any outer indentation level"},
      {"def f():\n    x = 1\n      y = 2\n", 3, 7, "unexpected indent"},
      {"if x:\n\tpass\n        pass\n", 3, 9, "inconsistent use of tabs and spaces in indentation"},
      {"x = 1\r\nf(a b)\r\n", 2, 5, "unexpected 'b'"},
  };
  for (const ErrorCase& c : cases) {
    std::string source(c.source);
    SyntaxCheck check = CheckSyntax(source);
    EXPECT_FALSE(check.ok) << source;
    EXPECT_EQ(check.line, c.line) << source;
    EXPECT_EQ(check.column, c.column) << source;
    EXPECT_EQ(check.message, c.message) << source;
  }
}

TEST(CheckSyntax, NulByteIsAnError) {
  SyntaxCheck check = CheckSyntax(std::string("x = 1\ny = 'a\0'\n", 14));
  EXPECT_EQ(check.ToString(), "line 2, column 7: source contains a NUL byte");
}

TEST(CheckSyntax, ReportsTheEarliestOfSeveralErrors) {
  SyntaxCheck check = CheckSyntax("def f():\nreturn 1\nf(a b)\n");
  EXPECT_EQ(check.ToString(), "line 2, column 1: expected an indented block");
  check = CheckSyntax("f(a b)\ndef f():\nreturn 1\n");
  EXPECT_EQ(check.ToString(), "line 1, column 5: unexpected 'b'");
}

TEST(CheckSyntax, LongTokensAreShortenedInMessages) {
  std::string source = "x = (" + std::string(100, 'a') + " " + std::string(100, 'b') + ")\n";
  SyntaxCheck check = CheckSyntax(source);
  ASSERT_FALSE(check.ok);
  EXPECT_LT(check.message.size(), 60u) << check.message;
  EXPECT_NE(check.message.find("..."), std::string::npos) << check.message;
}

}  // namespace
}  // namespace ilf::code
