#include "tasks/prompts.h"

#include <gtest/gtest.h>

#include "src/core/jsonl.h"
#include "tasks/suite.h"
#include "tests/support/test_data.h"

namespace ilf::tasks {
namespace {

Task StarTask() {
  Task task;
  task.task_id = "268";
  task.text = "Write a function to find the n'th star number.";
  task.reference = "def find_star_num(n): \r\n\treturn (6 * n * (n - 1) + 1) ";
  task.tests = {"assert find_star_num(3) == 37", "assert find_star_num(4) == 73"};
  task.SetEntryPoint("find_star_num");
  return task;
}

TEST(Prompts, ChenPromptHasDocstringExampleAndSignature) {
  EXPECT_EQ(ChenPrompt(StarTask()),
            "\"\"\"\nWrite a function to find the n'th star number.\n\n>>> Example: find_star_num(3) = 37\n"
            "\"\"\"\n\ndef find_star_num(n):\n");
}

TEST(Prompts, ChenPromptKeepsHelpersBeforeTheEntryPoint) {
  Task task = StarTask();
  task.reference = "import math \r\ndef helper(x): \r\n    return x\r\ndef find_star_num(n): \r\n  return 1";
  EXPECT_EQ(ChenPrompt(task).substr(ChenPrompt(task).find("\"\"\"\n\n") + 5),
            "import math \ndef helper(x): \n    return x\ndef find_star_num(n):\n");
}

TEST(Prompts, RefinementPromptFormat) {
  EXPECT_EQ(RefinementPrompt("def f(): pass", "Return 1.", "PROMPT\n"),
            "OLD CODE:\ndef f(): pass\n\nFEEDBACK:\nReturn 1.\n\nREFINEMENT:\nPROMPT\n");
}

TEST(Prompts, Mbpp3ShotPromptEndsOpen) {
  Task shot = StarTask();
  Task task = StarTask();
  std::string prompt = Mbpp3ShotPrompt(task, {&shot});
  EXPECT_EQ(prompt.rfind("You are an expert Python programmer, and here is your task: Write", 0), 0u);
  EXPECT_NE(prompt.find("[BEGIN]\ndef find_star_num(n): \n\treturn (6 * n * (n - 1) + 1)\n[DONE]\n"),
            std::string::npos);
  EXPECT_EQ(prompt.substr(prompt.size() - 8), "[BEGIN]\n");
}

// The ILF paper's own prompts (surge_annotations.jsonl `prompt`) are reproduced from MBPP, except two
// records whose upstream copy of MBPP mangled non-ASCII characters (task text with U+2013/U+2019).
TEST(Prompts, ChenPromptMatchesTheIlfPapersAnnotations) {
  ILF_DATA_OR_SKIP(annotations, "ilf-code/surge_annotations.jsonl");
  ILF_DATA_OR_SKIP(mbpp_file, "mbpp/mbpp.jsonl");
  Suite mbpp = LoadBuiltinSuite("mbpp");
  int matched = 0, mangled = 0, total = 0;
  for (const JsonlRecord& record : ReadJsonl(annotations)) {
    ++total;
    const Task* task = mbpp.Find(std::to_string(record.Int("task_id")));
    ASSERT_NE(task, nullptr);
    std::string expected = record.String("prompt");
    if (expected.find("\xEF\xBF\xBD") != std::string::npos) {
      ++mangled;
      continue;
    }
    EXPECT_EQ(ChenPrompt(*task), expected) << "task " << task->task_id;
    matched += ChenPrompt(*task) == expected;
  }
  EXPECT_EQ(total, 195);
  EXPECT_EQ(mangled, 2);
  EXPECT_EQ(matched, 193);
}

}  // namespace
}  // namespace ilf::tasks
