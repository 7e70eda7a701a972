// `ilf score-refinements` end to end on the golden tiny Qwen2 checkpoint: both selectors write the
// input records plus scores, per-prompt scores and the selected letter; bad items exit 2 naming
// file:line and leave no output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "src/core/jsonl.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf {
namespace {

using testing::IlfBinary;
using testing::RunCommand;
using testing::ScratchDir;

class ScoreRefinementsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::WithMaxPositions(dir_, testing::FindData("golden/qwen2-tiny"), "qwen2-tiny",
                                       4096);  // the InstructRM prompts pass its 256 positions
    tokenizer_ = testing::FindData("tokenizers/qwen2.5-coder-0.5b-instruct");
    if (model_.empty() || tokenizer_.empty()) {
      GTEST_SKIP() << "golden/qwen2-tiny or tokenizers/qwen2.5-coder-0.5b-instruct not found";
    }
    items_ = std::string(std::getenv("ILF_SOURCE_DIR")) +
             "/tasks/examples/summarization/refinements-example.jsonl";
  }
  testing::CommandResult Run(const std::string& items, const std::string& selector,
                             const std::string& out) {
    return RunCommand(IlfBinary() + " score-refinements --threads 1 --model " + model_ +
                      " --tokenizer " + tokenizer_ + " --items " + items + " --selector " +
                      selector + " --out " + out + " 2>&1");
  }
  std::string model_, tokenizer_, items_;
  ScratchDir dir_;
};

TEST_F(ScoreRefinementsCliTest, InstructRmAddsScoresAndTheArgmaxLetter) {
  std::string out = dir_.path() + "/scored.jsonl";
  auto r = Run(items_, "instructrm", out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<JsonlRecord> records = ReadArtifact(out, "ilf.refinement_scores", 1, true);
  std::vector<JsonlRecord> inputs = ReadJsonl(items_);
  ASSERT_EQ(records.size(), inputs.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const JsonlRecord& rec = records[i];
    EXPECT_EQ(rec.String("id"), inputs[i].String("id"));
    EXPECT_EQ(rec.String("generated_refinement_B"), inputs[i].String("generated_refinement_B"));
    std::vector<double> scores = rec.Field("scores").get<std::vector<double>>();
    ASSERT_EQ(scores.size(), 3u);
    const Json& per_prompt = rec.Field("prompt_scores");
    ASSERT_EQ(per_prompt.size(), 5u);
    for (size_t r_index = 0; r_index < 3; ++r_index) {
      double mean = 0;
      for (int k = 1; k <= 5; ++k) {
        double s = per_prompt["prompt_" + std::to_string(k)][r_index].get<double>();
        EXPECT_GT(s, 0.0);
        EXPECT_LT(s, 1.0);
        mean += s / 5;
      }
      EXPECT_NEAR(scores[r_index], mean, 1e-12);
    }
    size_t best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    std::string letter(1, static_cast<char>('A' + best));
    EXPECT_EQ(rec.String("selected"), letter);
    EXPECT_EQ(rec.String("selected_refinement"),
              inputs[i].String("generated_refinement_" + letter));
  }
}

TEST_F(ScoreRefinementsCliTest, EmbeddingScoresAreCosines) {
  std::string out = dir_.path() + "/embedding.jsonl";
  auto r = Run(items_, "embedding", out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const JsonlRecord& rec : ReadArtifact(out, "ilf.refinement_scores", 1, true)) {
    EXPECT_FALSE(rec.Has("prompt_scores"));
    std::vector<double> scores = rec.Field("scores").get<std::vector<double>>();
    ASSERT_EQ(scores.size(), 3u);
    for (double s : scores) {
      EXPECT_GE(s, -1.0);
      EXPECT_LE(s, 1.0);
    }
    size_t best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    EXPECT_EQ(rec.String("selected"), std::string(1, static_cast<char>('A' + best)));
  }
}

TEST_F(ScoreRefinementsCliTest, BadItemsExitTwoNamingTheLine) {
  std::string bad = dir_.Write("bad.jsonl",
                               "{\"id\": \"a\", \"title\": \"T\", \"post\": \"P\", "
                               "\"generated_summary_for_feedback\": \"S\", \"feedback\": \"F\", "
                               "\"generated_refinement_A\": \"x\"}\n"
                               "{\"id\": \"b\", \"title\": \"T\", \"post\": \"P\", "
                               "\"generated_summary_for_feedback\": \"S\", \"feedback\": \"F\"}\n");
  std::string out = dir_.path() + "/never.jsonl";
  auto r = Run(bad, "instructrm", out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(bad + ":2"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  r = Run(items_, "bleu", out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace ilf
