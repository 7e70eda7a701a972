// `ilf round` with "task": "summarization" end to end on the fixture suite and a tiny GPT-2-shaped
// model: the file's feedback, refinements from the paper's prompt, InstructRM selection, finetuning
// on (post prompt -> selected refinement), ROUGE-L and win rate before and after; `ilf report`
// shows them; SIGKILL inside each stage then --resume gives the artifacts of an uninterrupted run.
#include <gtest/gtest.h>

#include <cstdlib>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tasks/summarization/prompts.h"
#include "tasks/summarization/suite.h"
#include "tests/support/round_runs.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

std::string Ilf() { return testing::IlfBinary(); }

std::string Fixture() {
  return std::string(std::getenv("ILF_SOURCE_DIR")) +
         "/tasks/examples/summarization/slf5k-fixture.jsonl";
}

class SummarizationRound : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    model_ = testing::MakeTinyGpt2(*dir_, "model", testing::TinyGpt2Options::WithSeed(5));
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    if (model_.empty())
      GTEST_SKIP()
          << "tokenizers/gpt2 not found under ILF_DATA_DIR; set ILF_DATA_DIR to run this test";
  }

  // 3 training posts, 2 held out; 2 refinements per item; finetuning 2 steps (one per epoch).
  static std::string Config(const std::string& name, const std::string& extra = "") {
    return dir_->Write(name, R"({
      "task": "summarization", "suite": ")" +
                                 Fixture() + R"(",
      "train_split": "train", "train_limit": 3, "eval_split": "test", "eval_limit": 2,
      "policy_model": ")" + model_ +
                                 R"(", "device": "cpu",
      "samples_per_task": 1, "refinements_per_item": 2, "eval_samples_per_task": 1,
      "sampling": {"temperature": 1.0, "top_p": 0.95, "max_new_tokens": 12},
      "eval_temperature": 0.0, "feedback": {"source": "file"}, "selection": "instructrm",
      "finetune": {"epochs": 2, "lr": 0.003, "batch_size": 4, "grad_accum": 1,
                   "save_every_steps": 1},
      "ks": [1], "seed": 3)" + extra +
                                 "}");
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline std::string model_;
};

TEST_F(SummarizationRound, RunsEveryStageAndReportsROUGELAndWinRate) {
  ScratchDir work;
  std::string run = work.path() + "/run";
  auto r =
      RunCommand(Ilf() + " round --config " + Config("round.json") + " --run-dir " + run + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json round = testing::RunManifest(run)["rounds"]["1"];
  for (const char* stage : {"sample", "execute", "feedback", "refine", "select", "finetune",
                            "eval_before", "eval_after"})
    EXPECT_EQ(round[stage]["status"], "done") << stage << "\n" << r.output;
  EXPECT_FALSE(round.contains("train_refiner"));
  EXPECT_EQ(round["sample"]["counts"]["samples"], 3);
  EXPECT_EQ(round["execute"]["counts"]["tasks_needing_feedback"], 3);  // every summary
  EXPECT_EQ(round["feedback"]["counts"]["usable"], 3);                 // the file's feedback
  EXPECT_EQ(round["refine"]["counts"]["refinements"], 6);
  for (const char* which : {"eval_before", "eval_after"}) {
    const Json& counts = round[which]["counts"];
    EXPECT_EQ(counts["headline"], Json({"rouge_l", "win_rate"})) << counts.dump();
    EXPECT_TRUE(counts["rouge_l"].is_number()) << counts.dump();
    EXPECT_TRUE(counts["win_rate"].is_number()) << counts.dump();
    EXPECT_EQ(counts["samples"], 2);
  }
  // The round table shows the adapter's metrics, not pass@k.
  EXPECT_NE(r.output.find("rouge_l after"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("win_rate before"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("pass@1"), std::string::npos) << r.output;

  // The feedback is the file's, about its given summaries; the refinement prompt quotes both.
  std::vector<tasks::summarization::SummaryItem> items =
      tasks::summarization::LoadSummaryItems(Fixture());
  std::vector<JsonlRecord> feedback =
      ReadArtifact(run + "/round-1/feedback.jsonl", "ilf.feedback", 1);
  ASSERT_EQ(feedback.size(), 3u);
  EXPECT_EQ(feedback[0].value["task_id"], items[0].id);
  EXPECT_EQ(feedback[0].value["program"], items[0].initial_summary);
  EXPECT_EQ(feedback[0].value["feedback"], items[0].feedback);
  // Pairs: the post's initial prompt -> " " + a refinement of that post.
  std::vector<JsonlRecord> pairs = ReadArtifact(run + "/round-1/pairs.jsonl", "ilf.pairs", 1);
  std::vector<JsonlRecord> refinements =
      ReadArtifact(run + "/round-1/refinements.jsonl", "ilf.samples", 1);
  EXPECT_EQ(round["select"]["counts"]["selected_pairs"], pairs.size());
  for (const JsonlRecord& pair : pairs) {
    const tasks::summarization::SummaryItem* item = nullptr;
    for (const auto& i : items)
      if (i.id == pair.value["task_id"]) item = &i;
    ASSERT_NE(item, nullptr) << pair.value.dump();
    EXPECT_EQ(pair.value["prompt"],
              tasks::summarization::InitialSummaryPrompt(item->title, item->post));
    bool found = false;
    for (const JsonlRecord& ref : refinements)
      found |= ref.value["sample_id"] == pair.value["sample_id"] &&
               " " + ref.value["completion"].get<std::string>() == pair.value["target"];
    EXPECT_TRUE(found) << pair.value.dump();
  }
  EXPECT_EQ(round["finetune"]["counts"]["pairs"], pairs.size());

  // `ilf report` shows the run with the adapter's metrics.
  auto rep = RunCommand(Ilf() + " report " + run + " 2>&1");
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  std::string md = ReadFile(run + "/report.md");
  EXPECT_NE(md.find("| before | rouge_l |"), std::string::npos) << md;
  EXPECT_NE(md.find("| after | win_rate |"), std::string::npos) << md;
  std::string html = ReadFile(run + "/report.html");
  EXPECT_NE(html.find("rouge_l, win_rate by round"), std::string::npos);
  EXPECT_NE(html.find("SCORED — ROUGE-L F"), std::string::npos);
}

TEST_F(SummarizationRound, AnUnknownSelectorOrFeedbackSourceIsRefusedNamingTheField) {
  ScratchDir work;
  auto r = RunCommand(Ilf() + " round --config " + Config("bad.json", R"(, "selection": "best")") +
                      " --run-dir " + work.path() + "/run 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("'selection': 'best'"), std::string::npos) << r.output;
}

TEST_F(SummarizationRound, SigkillInsideEachStageThenResumeGivesIdenticalArtifacts) {
  ScratchDir work;
  testing::ExpectKilledThenResumedRunEqualsClean(
      Config("kill.json"),
      {"sample", "execute", "feedback", "refine", "select", "finetune", "eval_before",
       "eval_after"},
      work.path(), 10);
}

}  // namespace
}  // namespace ilf
