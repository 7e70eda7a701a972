// The model commands end to end on a tiny model made by `ilf init-model`: generate (text prompts,
// prompt_ids, n samples, stop strings), score, bench generate --json, and input errors (exit 2).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::IlfBinary;
using testing::RunCommand;
using testing::ScratchDir;

class LmCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::FindData("golden/gpt2-tiny/config.json");
    tokenizer_ = testing::FindData("tokenizers/gpt2");
    if (config_.empty() || tokenizer_.empty())
      GTEST_SKIP() << "golden/ or tokenizers/ data not found";
    model_ = dir_.path() + "/model";
    auto r = Run("init-model --config " + config_ + " --tokenizer " + tokenizer_ +
                 " --seed 1 --out " + model_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  testing::CommandResult Run(const std::string& args) {
    return RunCommand(IlfBinary() + " " + args + " 2>&1");
  }
  std::string config_, tokenizer_, model_;
  ScratchDir dir_;
};

TEST_F(LmCliTest, GenerateWritesSamplesForTextAndIdPrompts) {
  std::string prompts = dir_.Write("prompts.jsonl",
                                   "{\"task_id\": \"a\", \"prompt\": \"def add(a, b):\"}\n"
                                   "{\"prompt_ids\": [464, 3290, 318]}\n");
  std::string out = dir_.path() + "/samples.jsonl";
  auto r = Run("generate --threads 1 --model " + model_ + " --prompts " + prompts +
               " --n 3 --temperature 0.8 " + "--max-new-tokens 6 --seed 5 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<JsonlRecord> records = ReadJsonl(out);
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[0].String("task_id"), "a");
  EXPECT_EQ(records[3].Int("task_id"), 1) << "task_id defaults to the record index";
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].Int("sample_id"), static_cast<int64_t>(i % 3));
    EXPECT_EQ(records[i].String("model"), "model");
    EXPECT_TRUE(records[i].Has("completion"));
    EXPECT_LE(records[i].Field("completion_ids").size(), 6u);
  }
  // Same seed, same samples; greedy equals the first token chosen by argmax for every sample.
  std::string again = dir_.path() + "/again.jsonl";
  ASSERT_EQ(Run("generate --threads 1 --model " + model_ + " --prompts " + prompts +
                " --n 3 --temperature 0.8 " + "--max-new-tokens 6 --seed 5 --out " + again)
                .exit_code,
            0);
  std::vector<JsonlRecord> second = ReadJsonl(again);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].Field("completion_ids"), second[i].Field("completion_ids"));
  }
}

TEST_F(LmCliTest, StopStringCutsTheCompletion) {
  std::string prompts = dir_.Write("p.jsonl", "{\"prompt\": \"hello\"}\n");
  std::string out = dir_.path() + "/s.jsonl";
  ASSERT_EQ(Run("generate --threads 1 --model " + model_ + " --prompts " + prompts +
                " --max-new-tokens 8 --ignore-eos --out " + out)
                .exit_code,
            0);
  JsonlRecord full = ReadJsonl(out)[0];
  std::string text = full.String("completion");
  ASSERT_GE(text.size(), 2u);
  // An ASCII letter or digit of the completion (after its first byte) as the stop string: the
  // completion ends before its first occurrence.
  size_t at = 1;
  while (at < text.size() && !std::isalnum(static_cast<unsigned char>(text[at]))) ++at;
  if (at == text.size()) GTEST_SKIP() << "random completion has no ASCII letter: " << text;
  std::string stop = text.substr(at, 1);
  std::string out2 = dir_.path() + "/s2.jsonl";
  auto r = Run("generate --threads 1 --model " + model_ + " --prompts " + prompts +
               " --max-new-tokens 8 " + "--ignore-eos --stop '" + stop + "' --out " + out2);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  JsonlRecord cut = ReadJsonl(out2)[0];
  EXPECT_EQ(cut.String("completion"), text.substr(0, text.find(stop)));
  EXPECT_EQ(cut.String("finish_reason"), "stop");
}

TEST_F(LmCliTest, ScoreWritesLogprobsPerToken) {
  std::string pairs = dir_.Write("pairs.jsonl",
                                 "{\"prompt\": \"The answer is\", \"continuation\": \" yes\"}\n"
                                 "{\"prompt_ids\": [464], \"continuation_ids\": [3290, 318]}\n");
  std::string out = dir_.path() + "/scores.jsonl";
  auto r = Run("score --threads 1 --model " + model_ + " --pairs " + pairs + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<JsonlRecord> records = ReadJsonl(out);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].Field("token_logprobs").size(), 2u);
  double sum = 0;
  for (const Json& lp : records[1].Field("token_logprobs")) {
    EXPECT_LT(lp.get<double>(), 0.0);
    sum += lp.get<double>();
  }
  EXPECT_NEAR(records[1].Number("logprob"), sum, 1e-9);
  EXPECT_EQ(records[0].String("continuation"), " yes") << "input fields are kept";
}

TEST_F(LmCliTest, BenchGenerateJsonReportsBoundRatio) {
  auto r = RunCommand(IlfBinary() + " bench generate --config " + config_ +
                      " --batch 2 --new-tokens 4 --prompt-tokens 3 --threads 1 --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json result = Json::parse(r.output);
  EXPECT_GT(result["tokens_per_s"].get<double>(), 0);
  EXPECT_GT(result["bound_ratio"].get<double>(), 0);
  EXPECT_EQ(result["batch"], 2);
}

TEST_F(LmCliTest, BadInputsExitWithUsageErrors) {
  std::string bad = dir_.Write("bad.jsonl", "{\"text\": \"no prompt field\"}\n");
  auto r = Run("generate --threads 1 --model " + model_ + " --prompts " + bad + " --out " +
               dir_.path() + "/x.jsonl");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.jsonl:1"), std::string::npos) << r.output;
  r = Run("generate --threads 1 --model " + dir_.path() + " --prompts " + bad + " --out " +
          dir_.path() + "/x.jsonl");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  std::filesystem::remove(model_ + "/model.safetensors");
  WriteFileAtomically(model_ + "/model.safetensors", std::string("\x10\0\0\0\0\0\0\0{}", 10));
  std::string prompts = dir_.Write("p.jsonl", "{\"prompt_ids\": [1]}\n");
  r = Run("generate --threads 1 --model " + model_ + " --prompts " + prompts + " --out " +
          dir_.path() + "/x.jsonl");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("model.safetensors"), std::string::npos) << r.output;
}

TEST_F(LmCliTest, NumericOptionsOutOfRangeAreUsageErrors) {
  // --batch-rows 0 aborted on a failed check (exit 134); --max-new-tokens 0 or -5 wrote empty
  // completions and exited 0.
  std::string prompts = dir_.Write("p.jsonl", "{\"prompt_ids\": [464, 3290]}\n");
  std::string out = dir_.path() + "/x.jsonl";
  for (const char* option : {"--batch-rows 0", "--max-new-tokens 0", "--max-new-tokens -5", "--n 0",
                             "--top-p 0", "--temperature -1", "--threads -2"}) {
    auto r = Run("generate --model " + model_ + " --prompts " + prompts + " --out " + out + " " +
                 option);
    EXPECT_EQ(r.exit_code, 2) << option << ": " << r.output;
    std::string flag = std::string(option).substr(0, std::string(option).find(' '));
    EXPECT_NE(r.output.find("ilf generate: error: " + flag + ": expected "), std::string::npos)
        << r.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << option;
  }
}

TEST_F(LmCliTest, ModelPathMistakesSayWhatIsWrong) {
  // Each of these said "a text prompt needs a tokenizer".
  std::string prompts = dir_.Write("p.jsonl", "{\"prompt\": \"def f():\"}\n");
  std::filesystem::create_directories(dir_.path() + "/empty");
  std::filesystem::create_directories(dir_.path() + "/run/checkpoint-00000002");
  std::filesystem::rename(model_, dir_.path() + "/run/model");
  const std::string run = dir_.path() + "/run";
  struct Case {
    std::string model, expected;
  };
  for (const Case& c : std::vector<Case>{
           {dir_.path() + "/missing", "model '" + dir_.path() + "/missing' does not exist"},
           {dir_.path() + "/empty", "model directory '" + dir_.path() + "/empty' is empty"},
           {run, "no config.json in " + run + "; the checkpoint is in " + run + "/model"},
           {run + "/model/model.safetensors",
            "is a weights file; give the directory that holds it"},
       }) {
    for (const char* command : {"generate", "score"}) {
      std::string args =
          std::string(command) == "generate" ? " --prompts " + prompts : " --pairs " + prompts;
      auto r = Run(std::string(command) + " --model " + c.model + args + " --out " + dir_.path() +
                   "/x.jsonl");
      EXPECT_EQ(r.exit_code, 2) << r.output;
      EXPECT_NE(r.output.find(c.expected), std::string::npos) << command << ": " << r.output;
      EXPECT_EQ(r.output.find("tokenizer"), std::string::npos) << r.output;
    }
  }
}

// A prompt plus --max-new-tokens past max_position_embeddings is refused for RoPE models as for
// GPT-2 (it ran on without a word); so is a scored sequence past it.
TEST(LmCliPositions, WorkPastMaxPositionEmbeddingsIsRefused) {
  std::string model = testing::FindData("golden/qwen2-tiny/config.json");
  if (model.empty()) GTEST_SKIP() << "golden/qwen2-tiny not found";
  model = std::filesystem::path(model).parent_path().string();  // max_position_embeddings 256
  ScratchDir dir;
  Json ids = Json::array();
  for (int i = 0; i < 250; ++i) ids.push_back(100 + i);
  std::string prompts =
      dir.Write("p.jsonl", Json{{"task_id", "long"}, {"prompt_ids", ids}}.dump() + "\n");
  std::string out = dir.path() + "/s.jsonl";
  auto run = [](const std::string& args) { return RunCommand(IlfBinary() + " " + args + " 2>&1"); };
  auto fits = run("generate --threads 1 --model " + model + " --prompts " + prompts +
                  " --max-new-tokens 7 --ignore-eos --out " + out);
  ASSERT_EQ(fits.exit_code, 0) << fits.output;  // 250 + 7 - 1 = 256 positions
  auto past = run("generate --threads 1 --model " + model + " --prompts " + prompts +
                  " --max-new-tokens 8 --out " + dir.path() + "/past.jsonl");
  EXPECT_EQ(past.exit_code, 2) << past.output;
  EXPECT_NE(past.output.find("prompt 0: 250 prompt tokens + 8 new tokens: 257 positions, past the "
                             "model's max_position_embeddings 256"),
            std::string::npos)
      << past.output;
  EXPECT_NE(past.output.find("lower --max-new-tokens to 7"), std::string::npos) << past.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/past.jsonl"));
  Json continuation = Json::array({1, 2, 3, 4, 5, 6, 7});
  std::string pairs = dir.Write(
      "pairs.jsonl", Json{{"prompt_ids", ids}, {"continuation_ids", continuation}}.dump() + "\n");
  auto score = run("score --threads 1 --model " + model + " --pairs " + pairs + " --out " +
                   dir.path() + "/sc.jsonl");
  EXPECT_EQ(score.exit_code, 2) << score.output;
  EXPECT_NE(score.output.find("request 0: 250 prompt + 7 continuation tokens: 257 positions"),
            std::string::npos)
      << score.output;
}

}  // namespace
}  // namespace ilf
