// Human feedback files: the ILF paper's 195 annotations become feedback records and both kinds of
// training pairs with nothing lost; our own format round-trips; bad files name file:line.
#include <gtest/gtest.h>

#include "feedback/human_file.h"
#include "feedback/pairs.h"
#include "src/core/error.h"
#include "tasks/prompts.h"
#include "tasks/suite.h"
#include "tests/support/test_data.h"

namespace ilf::feedback {
namespace {

using ::ilf::testing::ErrorOf;
using ::ilf::testing::ScratchDir;

const char kSurge[] = "ilf-code/surge_annotations.jsonl";

TEST(HumanFileTest, EverySurgeAnnotationBecomesARecordWithItsFields) {
  ILF_DATA_OR_SKIP(path, kSurge);
  std::vector<JsonlRecord> raw = ReadJsonl(path);
  std::vector<FeedbackRecord> records = ReadHumanFeedback(path);
  ASSERT_EQ(raw.size(), 195u);
  ASSERT_EQ(records.size(), 195u);
  for (size_t i = 0; i < raw.size(); ++i) {
    const Json& r = raw[i].value;
    const FeedbackRecord& f = records[i];
    EXPECT_EQ(f.task_id, std::to_string(r["task_id"].get<int>()));
    EXPECT_EQ(f.sample_id, "original");
    EXPECT_EQ(f.program, r["original_model_completion"].get<std::string>());
    EXPECT_EQ(f.feedback, r["Feedback"].get<std::string>());
    EXPECT_EQ(f.refinement, r["unedited_annotator_completion"].get<std::string>());
    EXPECT_EQ(f.source, "human");
    EXPECT_EQ(f.annotator, r["worker_id"].is_null() ? "surge" : r["worker_id"].get<std::string>());
    EXPECT_EQ(f.provenance["prompt"], r["prompt"]);
    EXPECT_EQ(f.provenance["completion"], r["completion"]);
    EXPECT_EQ(f.provenance["line"], static_cast<int>(i + 1));
    EXPECT_TRUE(f.ok());
  }
  // Written as an ilf.feedback artifact and read back (as a human file too): identical.
  ScratchDir dir;
  WriteFeedback(dir.path() + "/f.jsonl", records);
  std::vector<FeedbackRecord> back = ReadHumanFeedback(dir.path() + "/f.jsonl");
  ASSERT_EQ(back.size(), records.size());
  for (size_t i = 0; i < back.size(); ++i) EXPECT_EQ(back[i].ToJson(), records[i].ToJson());
}

TEST(HumanFileTest, BothKindsOfPairsForAll195) {
  ILF_DATA_OR_SKIP(path, kSurge);
  auto selection = tasks::SelectSuite("mbpp");
  std::vector<FeedbackRecord> records = HumanFeedbackFor(path, *selection);
  ASSERT_EQ(records.size(), 195u);
  size_t whole_refinements = 0, prompt_matches = 0;
  for (const FeedbackRecord& record : records) {
    const tasks::Task* task = selection->suite.Find(record.task_id);
    ASSERT_NE(task, nullptr);
    std::string initial = tasks::BuildPrompt(selection->suite, *task);
    const std::string& surge_prompt = record.provenance["prompt"].get_ref<const std::string&>();
    prompt_matches += initial == surge_prompt;
    Pair refine = MakePair(record, initial, PairKind::kRefine);
    Pair policy = MakePair(record, initial, PairKind::kPolicy);
    EXPECT_EQ(refine.target, policy.target);
    EXPECT_EQ(policy.prompt, initial);
    EXPECT_EQ(refine.prompt, "OLD CODE:\n" + record.program + "\n\nFEEDBACK:\n" + record.feedback +
                                 "\n\nREFINEMENT:\n" + initial);
    if (policy.prompt + policy.target == record.refinement ||
        surge_prompt + policy.target == record.refinement) {
      ++whole_refinements;
    } else {
      EXPECT_EQ(policy.target, record.provenance["completion"].get<std::string>())
          << record.task_id;
    }
  }
  // The paper's prompt field is Chen et al.'s prompt, except in tasks 260 and 679 whose text it
  // carries with mis-decoded quotes (U+FFFD); the refinement continues it in 183 of 195.
  EXPECT_EQ(prompt_matches, 193u);
  EXPECT_EQ(whole_refinements, 183u);
}

TEST(HumanFileTest, RefinementPromptsEqualThePapersFormatByteForByte) {
  ILF_DATA_OR_SKIP(path, kSurge);
  auto selection = tasks::SelectSuite("mbpp");
  std::vector<JsonlRecord> raw = ReadJsonl(path);
  std::vector<FeedbackRecord> records = HumanFeedbackFor(path, *selection);
  for (int task_id : {1, 268, 311}) {
    size_t i = 0;
    while (i < raw.size() && raw[i].value["task_id"] != task_id) ++i;
    ASSERT_LT(i, raw.size()) << task_id;
    const Json& r = raw[i].value;
    std::string expected = "OLD CODE:\n" + r["original_model_completion"].get<std::string>() +
                           "\n\nFEEDBACK:\n" + r["Feedback"].get<std::string>() +
                           "\n\nREFINEMENT:\n" + r["prompt"].get<std::string>();
    const tasks::Task* task = selection->suite.Find(records[i].task_id);
    Pair refine =
        MakePair(records[i], tasks::BuildPrompt(selection->suite, *task), PairKind::kRefine);
    EXPECT_EQ(refine.prompt, expected) << task_id;
  }
}

TEST(HumanFileTest, SplitsSelectAndOtherSuitesAreRefused) {
  ILF_DATA_OR_SKIP(path, kSurge);
  size_t skipped = 0;
  // The README's split counts: MBPP_Refine 111-310 holds 44 annotations.
  EXPECT_EQ(HumanFeedbackFor(path, *tasks::SelectSuite("mbpp:chen-refine"), &skipped).size(), 44u);
  EXPECT_EQ(skipped, 151u);
  // HumanEval finds tasks by number too (0-163), so the first annotation past 163 is refused.
  std::string error = ErrorOf([&] { HumanFeedbackFor(path, *tasks::SelectSuite("humaneval")); });
  EXPECT_NE(error.find("is not a task of suite 'humaneval' (a feedback file of another suite?)"),
            std::string::npos)
      << error;
}

TEST(HumanFileTest, BadSurgeLinesNameFileAndLine) {
  ScratchDir dir;
  Json good{{"task_id", 11},
            {"prompt", "p\n"},
            {"Feedback", "fix it"},
            {"original_model_completion", "p\nx"},
            {"unedited_annotator_completion", "p\ny"},
            {"worker_id", nullptr}};
  Json empty = good;
  empty["Feedback"] = "  ";
  std::string path = dir.Write("s.jsonl", good.dump() + "\n" + empty.dump() + "\n");
  EXPECT_NE(ErrorOf([&] { ReadHumanFeedback(path); }).find("s.jsonl:2: field 'Feedback' is empty"),
            std::string::npos);
  path = dir.Write("t.jsonl", good.dump() + "\n{broken\n");
  EXPECT_NE(ErrorOf([&] { ReadHumanFeedback(path); }).find("t.jsonl:2: not valid JSON"),
            std::string::npos);
  path = dir.Write("u.jsonl", good.dump() + "\n" + good.dump() + "\n");
  EXPECT_NE(ErrorOf([&] {
              ReadHumanFeedback(path);
            }).find("u.jsonl:2: feedback_id 'human-11-original' was already used at"),
            std::string::npos);
  path = dir.Write("v.jsonl", R"({"task_id": 11, "text": "x"})"
                              "\n");
  EXPECT_NE(ErrorOf([&] { ReadHumanFeedback(path); }).find("neither an ilf.feedback file"),
            std::string::npos);
  Json no_refinement = good;
  no_refinement.erase("unedited_annotator_completion");
  path = dir.Write("w.jsonl", no_refinement.dump() + "\n");
  EXPECT_NE(ErrorOf([&] {
              ReadHumanFeedback(path);
            }).find("w.jsonl:1: missing field 'unedited_annotator_completion'"),
            std::string::npos);
}

TEST(HumanFileSourceTest, MatchesItemsBySampleOrProgramAndRecordsTheRest) {
  ScratchDir dir;
  tasks::Task task;
  task.task_id = "11";
  task.number = 11;
  FeedbackRecord a;
  a.feedback_id = "human-11-s1";
  a.task_id = "11";
  a.sample_id = "s1";
  a.program = "A";
  a.feedback = "about A";
  a.source = "human";
  FeedbackRecord b = a;
  b.feedback_id = "human-11-s2";
  b.sample_id = "s2";
  b.program = "B";
  b.feedback = "about B";
  WriteFeedback(dir.path() + "/h.jsonl", {a, b});
  HumanFileSource source(dir.path() + "/h.jsonl");
  std::vector<FeedbackItem> items = {
      {&task, "s1", "A", {}}, {&task, "x", "B", {}}, {&task, "y", "C", {}}};
  std::vector<FeedbackRecord> out = source.Run(items);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].feedback, "about A");
  EXPECT_EQ(out[1].feedback, "about B");
  EXPECT_EQ(out[1].sample_id, "x");
  EXPECT_FALSE(out[2].ok());
  EXPECT_EQ(out[2].feedback, "");
  EXPECT_NE(out[2].error.find("no human feedback for this program"), std::string::npos);
}

}  // namespace
}  // namespace ilf::feedback
