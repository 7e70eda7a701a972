// `ilf round` end to end on a tiny model with the ILF paper's human annotations: every stage runs
// and leaves artifacts the other commands read; a run SIGKILLed inside each stage and resumed ends
// with the same artifacts as an uninterrupted one; a changed config is refused on resume.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/round_runs.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

std::string Ilf() { return testing::IlfBinary(); }

// Annotated MBPP tasks with short human refinements.
const char* kTasks = R"(["536", "268", "335"])";

class RoundCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    surge_ = testing::HumanFeedbackRoundData();
    if (surge_.empty()) return;
    dir_ = new ScratchDir();
    model_ = testing::MakeTinyGpt2(*dir_, "model");
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << testing::kNoHumanFeedbackRoundData;
  }

  // A round config: π_Refine first learns the human refinements of the tasks (stage 0).
  static std::string Config(const std::string& name, int epochs, const std::string& extra = "") {
    std::string finetune = R"({"epochs": )" + std::to_string(epochs) +
                           R"(, "lr": 0.003, "batch_size": 3, "grad_accum": 1,
                              "save_every_steps": 1})";
    return dir_->Write(name, R"({
      "suite": "mbpp", "train_task_ids": )" +
                                 std::string(kTasks) + R"(,
      "eval_task_ids": )" + kTasks +
                                 R"(, "policy_model": ")" + model_ + R"(",
      "samples_per_task": 2, "refinements_per_item": 2, "eval_samples_per_task": 2,
      "sampling": {"temperature": 0.8, "max_new_tokens": 40}, "eval_temperature": 0.0,
      "feedback": {"source": "human:)" +
                                 surge_ + R"("}, "finetune": )" + finetune + R"(,
      "refiner": {"annotations": ")" +
                                 surge_ + R"(", "task_ids": )" + kTasks + R"(,
                  "finetune": )" +
                                 finetune + R"(},
      "ks": [1], "sandbox_workers": 2, "seed": 7)" +
                                 extra + "}");
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline std::string model_;
  static inline std::string surge_;
};

using testing::ExpectKilledThenResumedRunEqualsClean;

Json Manifest(const std::string& run) { return testing::RunManifest(run); }

TEST_F(RoundCli, HumanFeedbackRoundRunsEveryStageAndOtherCommandsReadItsArtifacts) {
  ScratchDir work;
  std::string run = work.path() + "/run";
  auto start = std::chrono::steady_clock::now();
  auto r = RunCommand(Ilf() + " round --config " + Config("round.json", 2) + " --run-dir " + run +
                      " 2>&1");
  double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json round = Manifest(run)["rounds"]["1"];
  double wall_s = 0, orchestration_s = 0;
  std::string times;  // per stage, for the messages below
  for (const char* stage : {"train_refiner", "sample", "execute", "feedback", "refine", "select",
                            "finetune", "eval_before", "eval_after"}) {
    EXPECT_EQ(round[stage]["status"], "done") << stage << "\n" << r.output;
    wall_s += round[stage]["times"]["wall_s"].get<double>();
    orchestration_s += round[stage]["times"]["orchestration_s"].get<double>();
    times += std::string(stage) + " " + round[stage]["times"].dump() + "\n";
  }
  // The stages' wall times add up to the round (the process's start with LibTorch's loading and
  // its exit aside, hence the margin). Orchestration is cheap: this round lasts ~4 s, where a
  // scheduler gap of a parallel ctest run (0.21 s once, 5.2%) outweighs it, so the 5% share is
  // asserted on the learning round's minutes (learning_round_test.cc) and here a bound of 0.5 s.
  EXPECT_GT(wall_s, 0.8 * elapsed_s - 10) << "stage walls " << wall_s << " s of " << elapsed_s;
  EXPECT_LT(orchestration_s, std::max(0.05 * wall_s, 0.5))
      << orchestration_s << " s of " << wall_s << " s\n"
      << times;
  EXPECT_EQ(round["sample"]["counts"]["samples"], 6);
  EXPECT_EQ(round["execute"]["counts"]["tasks_needing_feedback"], 3);  // a random model
  EXPECT_EQ(round["feedback"]["counts"]["usable"], 3);  // one human annotation per task
  EXPECT_EQ(round["refine"]["counts"]["refinements"], 6);
  EXPECT_NE(r.output.find("selected pairs"), std::string::npos) << r.output;  // the round table

  // `ilf eval` scores the samples and the refinements as they are.
  for (const char* file : {"samples.jsonl", "refinements.jsonl"}) {
    auto e = RunCommand(Ilf() + " eval --suite mbpp --samples " + run + "/round-1/" + file +
                        " --k 1 --out " + work.path() + "/eval-" + file + " 2>&1");
    EXPECT_EQ(e.exit_code, 0) << file << ": " << e.output;
  }
  // The refinements keep their lineage.
  for (const JsonlRecord& rec :
       ReadArtifact(run + "/round-1/refinements.jsonl", "ilf.samples", 1)) {
    EXPECT_TRUE(rec.Has("parent_sample_id") && rec.Has("feedback_id")) << rec.value.dump();
  }
  // A second run into the same directory is refused; a resume of a finished run does nothing.
  auto again = RunCommand(Ilf() + " round --config " + Config("round.json", 2) + " --run-dir " +
                          run + " 2>&1");
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;
}

TEST_F(RoundCli, ExecutionFeedbackRoundWritesNotesFromTheSandboxAndRefinesThem) {
  ScratchDir work;
  std::string run = work.path() + "/run";
  std::string config = dir_->Write("exec.json", R"({
      "suite": "mbpp", "train_task_ids": ["11", "12"], "eval_task_ids": ["11"],
      "policy_model": ")" + model_ + R"(", "samples_per_task": 2, "refinements_per_item": 3,
      "eval_samples_per_task": 1, "sampling": {"max_new_tokens": 24},
      "feedback": {"source": "execution", "per_task": 2}, "ks": [1], "sandbox_workers": 2})");
  auto r = RunCommand(Ilf() + " round --config " + config + " --run-dir " + run + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<JsonlRecord> feedback =
      ReadArtifact(run + "/round-1/feedback.jsonl", "ilf.feedback", 1);
  ASSERT_EQ(feedback.size(), 4u);  // 2 tasks x 2 incorrect programs (a random model)
  for (const JsonlRecord& f : feedback) {
    EXPECT_EQ(f.value["source"], "execution");
    EXPECT_FALSE(f.value["feedback"].get<std::string>().empty()) << f.value.dump();
  }
  Json round = Manifest(run)["rounds"]["1"];
  EXPECT_EQ(round["refine"]["counts"]["refinements"], 12);
  EXPECT_EQ(round["finetune"]["counts"]["pairs"], 0);  // nothing passed: π_θ unchanged
}

TEST_F(RoundCli, ResumeWithAChangedConfigIsRefusedNamingTheDifference) {
  ScratchDir work;
  std::string run = work.path() + "/run";
  auto r = RunCommand("ILF_KILL_AT=round-1/sample " + Ilf() + " round --config " +
                      Config("a.json", 1) + " --run-dir " + run + " 2>&1");
  ASSERT_NE(r.exit_code, 0) << r.output;  // killed
  auto resumed = RunCommand(Ilf() + " round --resume --config " +
                            Config("b.json", 1, R"(, "selection": "shortest")") + " --run-dir " +
                            run + " 2>&1");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("selection: \"random\" -> \"shortest\""), std::string::npos)
      << resumed.output;
}

// SIGKILL inside each stage in turn (ILF_KILL_AT), each time followed by --resume, ends with the
// artifacts of an uninterrupted run: every JSONL byte for byte (results without the sandbox's
// timings), and the finetuned weights.
TEST_F(RoundCli, SigkillInsideEachStageThenResumeGivesIdenticalArtifacts) {
  ScratchDir work;
  std::string config = Config("kill.json", 2);  // 2 steps: killed after the first
  ExpectKilledThenResumedRunEqualsClean(config,
                                        {"train_refiner", "sample", "execute", "feedback", "refine",
                                         "select", "finetune", "eval_before", "eval_after"},
                                        work.path(), 12);
}

}  // namespace
}  // namespace ilf
