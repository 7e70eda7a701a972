#include "src/code/extract.h"

#include <gtest/gtest.h>

namespace ilf::code {
namespace {

struct Case {
  const char* completion;
  const char* expected;
};

TEST(ExtractCode, PlainCodeIsUnchanged) {
  const char* programs[] = {"def f(x):\n    return x\n", "def f(x):\r\n    return x", ""};
  for (const char* program : programs) EXPECT_EQ(ExtractCode(program), program);
}

TEST(ExtractCode, MbppBeginDoneMarkers) {
  const Case cases[] = {
      // The 3-shot prompt ends with "[BEGIN]\n": the completion ends with [DONE] and a new task.
      {"def f(x):\n    return x\n[DONE]\nYou are an expert Python programmer, and here is your "
       "task: ...",
       "def f(x):\n    return x\n"},
      // ... also when the invented next task has markers of its own.
      {"def f(x):\n    return x\n[DONE]\nYou are an expert ... tests:\n\n[BEGIN]\ndef g():\n",
       "def f(x):\n    return x\n"},
      // The completion repeats the markers, with chatter around them.
      {"Sure.\n[BEGIN]\ndef f(x):\n    return x\n[DONE]\nDone!", "def f(x):\n    return x\n"},
      {"[BEGIN]  \r\ndef f(x):\r\n    return x\r\n[DONE]", "def f(x):\r\n    return x\r\n"},
      {"[BEGIN] def f(x): return x [DONE]", "def f(x): return x "},
      // No [DONE]: everything after [BEGIN].
      {"[BEGIN]\ndef f(x):\n    return x\n", "def f(x):\n    return x\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(ExtractCode(c.completion), c.expected) << c.completion;
}

TEST(ExtractCode, MarkdownFencesWithChatterBeforeAndAfter) {
  const Case cases[] = {
      {"Here is the solution:\n```python\ndef f(x):\n    return x\n```\nIt returns x.\n",
       "def f(x):\n    return x\n"},
      {"```\ndef f(x):\n    return x\n```", "def f(x):\n    return x\n"},
      {"```Python3 title=\"f.py\"\ndef f(x):\n    return x\n```\n", "def f(x):\n    return x\n"},
      {"~~~py\ndef f(x):\n    return x\n~~~\n", "def f(x):\n    return x\n"},
      // Windows line endings inside the block become '\n'.
      {"```python\r\ndef f(x):\r\n    return x\r\n```\r\n", "def f(x):\n    return x\n"},
      // A fence indented inside a list item: its indentation is removed from the content.
      {"1. Code:\n   ```python\n   def f(x):\n       return x\n   ```\n",
       "def f(x):\n    return x\n"},
      // A longer opening fence is closed only by as long a fence; shorter runs are content.
      {"````python\ns = '''\n```\n'''\n````\n", "s = '''\n```\n'''\n"},
      // A truncated answer: the block runs to the end.
      {"Solution:\n```python\ndef f(x):\n    return", "def f(x):\n    return\n"},
      // Other languages are not candidates: the Python block is chosen.
      {"Run:\n```bash\npip install x\n```\nThen:\n```python\nimport x\n```\n", "import x\n"},
      // Only non-Python blocks: the text is left as it is.
      {"```text\nhello\n```\n", "```text\nhello\n```\n"},
      // Inline backticks are not fences.
      {"Use ```f(x)``` here.\n", "Use ```f(x)``` here.\n"},
      // Fences inside [BEGIN]...[DONE].
      {"[BEGIN]\n```python\ndef f(x):\n    return x\n```\n[DONE]", "def f(x):\n    return x\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(ExtractCode(c.completion), c.expected) << c.completion;
}

TEST(ExtractCode, SeveralBlocksPickTheOneDefiningTheEntryPoint) {
  const char* answer =
      "First a helper:\n```python\ndef helper(x):\n    return x\n```\n"
      "Then the function:\n```python\ndef solve(x):\n    return helper(x)\n```\n"
      "Example:\n```python\nprint(solve(1))\n```\n";
  ExtractOptions options;
  options.entry_point = "solve";
  EXPECT_EQ(ExtractCode(answer, options), "def solve(x):\n    return helper(x)\n");
  // Without an entry point, or when no block defines it: the first block.
  EXPECT_EQ(ExtractCode(answer), "def helper(x):\n    return x\n");
  options.entry_point = "missing";
  EXPECT_EQ(ExtractCode(answer, options), "def helper(x):\n    return x\n");
}

TEST(ExtractCode, CompletionInsideAFenceThePromptOpened) {
  ExtractOptions options;
  options.inside_fence = true;
  EXPECT_EQ(ExtractCode("    return x\n```\nThis returns x.\n", options), "    return x\n");
  EXPECT_EQ(ExtractCode("    return x\n", options), "    return x\n");
  // Without the option the bare fence opens a block of prose, which is what Markdown says.
  EXPECT_EQ(ExtractCode("    return x\n```\nThis returns x.\n"), "This returns x.\n");
  // Later blocks still count: the one defining the entry point wins.
  options.entry_point = "g";
  EXPECT_EQ(ExtractCode("x = 1\n```\nAlso:\n```python\ndef g():\n    pass\n```\n", options),
            "def g():\n    pass\n");
}

TEST(FindFencedBlocks, ReportsLanguageAndWhetherClosed) {
  std::vector<FencedBlock> blocks = FindFencedBlocks("```PY\na\n```\ntext\n```json\n{}\n");
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].language, "py");
  EXPECT_EQ(blocks[0].code, "a\n");
  EXPECT_TRUE(blocks[0].closed);
  EXPECT_EQ(blocks[1].language, "json");
  EXPECT_EQ(blocks[1].code, "{}\n");
  EXPECT_FALSE(blocks[1].closed);
}

}  // namespace
}  // namespace ilf::code
