// Model feedback: prompt, cleaning and shot choice (pure), then real plumbing on a tiny random
// Qwen2 checkpoint (meaningless text): one record per item, the same seed gives the same feedback
// at any batch size, and `ilf feedback --source model:DIR` writes the records.
#include <gtest/gtest.h>

#include "feedback/human_file.h"
#include "feedback/model_source.h"
#include "src/core/atomic_file.h"
#include "src/lm/init_model.h"
#include "tasks/suite.h"
#include "tests/support/test_data.h"

namespace ilf::feedback {
namespace {

using testing::ScratchDir;

TEST(ModelFeedbackPromptTest, ShotsThenTheItemEndingAtFeedback) {
  std::string prompt =
      ModelFeedbackPrompt("Add one.", "def f(x):\n    return x\n", "assert f(1) == 2\n",
                          {{"Double it.", "def g(x):\n    return x", "Multiply by two."}});
  EXPECT_NE(
      prompt.find(
          "TASK:\nDouble it.\n\nINCORRECT PROGRAM:\ndef g(x):\n    return x\n\nFEEDBACK:\n"
          "Multiply by two.\n\nTASK:\nAdd one.\n\nINCORRECT PROGRAM:\ndef f(x):\n    return x\n\n"
          "FAILING TESTS:\nassert f(1) == 2\n\nFEEDBACK:\n"),
      std::string::npos)
      << prompt;
  EXPECT_EQ(prompt.substr(prompt.size() - 10), "FEEDBACK:\n");
}

TEST(CleanModelFeedbackTest, CutsAtTheEndDropsEchoedCodeAndTrims) {
  std::string program = "def f(x):\n    return x - 1\n";
  struct {
    const char* raw;
    const char* clean;
  } cases[] = {
      {"  The loop is off by one.\n\nTASK:\nnext task", "The loop is off by one."},
      {"Return x + 1.\n    return x - 1\nThat is all.", "Return x + 1.\nThat is all."},
      {"Use a set.\n```python\ndef f(x): ...\n```", "Use a set."},
      {"Fine.<|im_end|>garbage", "Fine."},
      {"\n\n   \n", ""},
      {"    return x - 1\nFEEDBACK:\nmore", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(CleanModelFeedback(c.raw, program), c.clean) << c.raw;
}

TEST(ChooseShotsTest, OtherTasksOnlyDeterministic) {
  ILF_DATA_OR_SKIP(surge, "ilf-code/surge_annotations.jsonl");
  auto selection = tasks::SelectSuite("mbpp");
  std::vector<FeedbackRecord> pool = ReadHumanFeedback(surge);
  for (const char* task : {"11", "268", "500"}) {
    std::vector<Shot> shots = ChooseShots(pool, selection->suite, task, 2, 9);
    ASSERT_EQ(shots.size(), 2u);
    EXPECT_NE(shots[0].task_text, shots[1].task_text);
    for (const Shot& shot : shots) EXPECT_NE(shot.task_text, selection->suite.Find(task)->text);
    std::vector<Shot> again = ChooseShots(pool, selection->suite, task, 2, 9);
    EXPECT_EQ(again[0].feedback, shots[0].feedback);
    EXPECT_EQ(again[1].feedback, shots[1].feedback);
  }
  // Task 268 is annotated: its own annotation is never a shot for it.
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (const Shot& shot : ChooseShots(pool, selection->suite, "268", 2, seed)) {
      EXPECT_EQ(shot.task_text.find("star number"), std::string::npos);
    }
  }
  EXPECT_TRUE(ChooseShots(pool, selection->suite, "11", 0, 1).empty());
}

class TinyModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string config = testing::FindData("golden/qwen2-tiny/config.json");
    std::string tokenizer = testing::FindData("tokenizers/qwen2.5-coder-0.5b-instruct");
    if (config.empty() || tokenizer.empty() || testing::FindData("mbpp/mbpp.jsonl").empty()) return;
    dir_ = new ScratchDir();
    Json json = Json::parse(ReadFile(config));
    json["max_position_embeddings"] = 4096;  // room for two shots
    std::string long_config = dir_->Write("config.json", json.dump(2));
    model_dir_ = dir_->path() + "/model";
    lm::InitModel({long_config, model_dir_, tokenizer, 3, "float32"});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dir_ == nullptr)
      GTEST_SKIP() << "golden/qwen2-tiny, tokenizers/ or mbpp/ not found under ILF_DATA_DIR";
  }
  static ScratchDir* dir_;
  static std::string model_dir_;
};
ScratchDir* TinyModelTest::dir_ = nullptr;
std::string TinyModelTest::model_dir_;

TEST_F(TinyModelTest, SameSeedSameFeedbackAtAnyBatchSize) {
  auto selection = tasks::SelectSuite("mbpp");
  std::vector<FeedbackItem> items;
  for (const char* id : {"11", "12", "13", "14", "15"}) {
    const tasks::Task* task = selection->suite.Find(id);
    items.push_back({task, "0", "def wrong():\n    return None\n", {}});
  }
  FeedbackOptions options;
  options.shots = 2;
  options.temperature = 0.8;
  options.max_new_tokens = 24;
  options.seed = 17;
  options.device = "cpu";
  options.threads = 1;
  std::vector<std::vector<FeedbackRecord>> runs;
  for (int64_t batch : {1, 2, 5}) {
    options.batch_rows = batch;
    runs.push_back(MakeModelSource(model_dir_, selection->suite, options)->Run(items));
  }
  ASSERT_EQ(runs[0].size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const FeedbackRecord& r = runs[0][i];
    EXPECT_EQ(r.source, "model");
    EXPECT_EQ(r.annotator, model_dir_);
    EXPECT_EQ(r.provenance["shots"], 2);
    EXPECT_EQ(r.provenance["seed"], 17);
    EXPECT_EQ(r.provenance["chat"], true);
    EXPECT_TRUE(r.ok() != r.feedback.empty()) << r.ToJson().dump();
    for (size_t run = 1; run < runs.size(); ++run)
      EXPECT_EQ(runs[run][i].ToJson(), r.ToJson()) << "batch run " << run;
  }
  // Another seed samples other text (for at least one of the five items).
  options.seed = 18;
  std::vector<FeedbackRecord> other =
      MakeModelSource(model_dir_, selection->suite, options)->Run(items);
  bool differs = false;
  for (size_t i = 0; i < items.size(); ++i) differs |= other[i].ToJson() != runs[0][i].ToJson();
  EXPECT_TRUE(differs);
}

TEST_F(TinyModelTest, FeedbackCommandWithAModelSource) {
  std::string results = dir_->path() + "/results.jsonl";
  {
    JsonlWriter writer(results, ArtifactHeader{"ilf.results", 1, ""});
    writer.Write(
        {{"task_id", "11"},
         {"sample_id", "0"},
         {"verdict", "FAIL"},
         {"program", "def f(): pass\n"},
         {"tests",
          {{{"status", "failed"}, {"exception_type", "AssertionError"}, {"message", ""}}}}});
    writer.Write({{"task_id", "12"},
                  {"sample_id", "0"},
                  {"verdict", "PASS"},
                  {"program", "def g(): pass\n"}});
    writer.Commit();
  }
  std::string out = dir_->path() + "/feedback.jsonl";
  auto r = testing::RunCommand(
      testing::IlfBinary() + " feedback --source model:" + model_dir_ + " --suite mbpp --results " +
      results + " --shots 1 --max-new-tokens 8 --device cpu" + " --out " + out + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<FeedbackRecord> records = ReadFeedback(out);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].task_id, "11");
  EXPECT_EQ(records[0].provenance["shots"], 1);
}

}  // namespace
}  // namespace ilf::feedback
