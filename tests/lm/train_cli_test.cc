// `ilf finetune` and `ilf bench train` end to end: text pairs through a real tokenizer on a tiny
// GPT-2 made by `ilf init-model`, --help defaults, bad data (exit 2, file:line), bench --json.
#include <gtest/gtest.h>

#include <filesystem>

#include "src/core/jsonl.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf {
namespace {
namespace fs = std::filesystem;

using testing::IlfBinary;
using testing::RunCommand;
using testing::ScratchDir;

testing::CommandResult Ilf(const std::string& args) {
  return RunCommand(IlfBinary() + " " + args + " 2>&1");
}

TEST(FinetuneCli, HelpShowsPaperDefaultsWithUnits) {
  auto r = Ilf("finetune --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* text :
       {"--lr FLOAT=5e-06", "--epochs INT=2", "effective batch = batch-size x grad-accum",
        "--lora-rank INT=0", "--max-shard-mib INT=4096", "--resume"}) {
    EXPECT_NE(r.output.find(text), std::string::npos) << text;
  }
}

TEST(FinetuneCli, TextPairsThroughTheTokenizerAndBadDataWithLineNumbers) {
  std::string config = testing::FindData("golden/gpt2-tiny/config.json");
  std::string tokenizer = testing::FindData("tokenizers/gpt2");
  if (config.empty() || tokenizer.empty()) GTEST_SKIP() << "golden/ or tokenizers/ data not found";
  ScratchDir dir;
  const std::string model = dir.path() + "/base";
  auto r = Ilf("init-model --config " + config + " --tokenizer " + tokenizer + " --out " + model);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string pairs =
      dir.Write("pairs.jsonl",
                "{\"prompt\": \"def add(a, b):\\n\", \"target\": \"    return a + b\\n\"}\n"
                "{\"prompt\": \"def sub(a, b):\\n\", \"target\": \"    return a - b\\n\"}\n"
                "{\"prompt\": \"def mul(a, b):\\n\", \"target\": \"    return a * b\\n\"}\n");
  const std::string out = dir.path() + "/run";
  r = Ilf("finetune --model " + model + " --data " + pairs + " --out " + out +
          " --device cpu --epochs 2 --batch-size 2 --grad-accum 1 --lr 1e-3 --val-fraction 0.34");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 train / 1 validation pairs"), std::string::npos) << r.output;
  for (const char* file :
       {"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json"}) {
    EXPECT_TRUE(fs::exists(out + "/model/" + file)) << file;
  }
  auto metrics = ReadArtifact(out + "/metrics.jsonl", "ilf.train_metrics", 1, true);
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_TRUE(metrics[0].Has("val_loss")) << "validation at each epoch end";
  EXPECT_TRUE(fs::exists(out + "/checkpoint-00000002/optimizer.safetensors"));
  // The finetuned model loads in the other model commands.
  r = Ilf("generate --model " + out + "/model --prompts " +
          dir.Write("prompts.jsonl", "{\"prompt\": \"def add(a, b):\\n\"}\n") +
          " --max-new-tokens 3 --temperature 0 --out " + dir.path() + "/samples.jsonl");
  EXPECT_EQ(r.exit_code, 0) << r.output;

  // Bad data: exit code 2 and the file:line of the first bad pair.
  struct Case {
    std::string line, expected;
  };
  for (const Case& c :
       std::vector<Case>{{"{\"prompt\": \"x\", \"target\": \"\"}", "bad.jsonl:2: empty target"},
                         {"{\"prompt\": \"x\", \"target\"", "bad.jsonl:2: not valid JSON"},
                         {"{\"prompt\": \"x\"}", "bad.jsonl:2: missing field 'target'"},
                         {"{\"prompt\": \"" + std::string(3000, 'a') + " " +
                              std::string(3000, 'b') + "\", \"target\": \"y\"}",
                          "bad.jsonl:2: prompt+target is"}}) {
    std::string bad =
        dir.Write("bad.jsonl", "{\"prompt\": \"p\", \"target\": \"t\"}\n" + c.line + "\n");
    r = Ilf("finetune --model " + model + " --data " + bad + " --out " + dir.path() + "/bad-run" +
            " --device cpu --max-length 64");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
  }
}

TEST(FinetuneCli, AFailedRunLeavesNoEmptyOut) {
  ScratchDir dir;
  const std::string model = testing::MakeTinyGpt2(dir, "base");
  if (model.empty()) GTEST_SKIP() << "tokenizers/gpt2 not found under ILF_DATA_DIR";
  std::string bad = dir.Write("bad.jsonl", "{\"prompt\": \"x\"}\n");
  auto r = Ilf("finetune --model " + model + " --data " + bad + " --out " + dir.path() +
               "/runs/first --device cpu");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.jsonl:1: missing field 'target'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.path() + "/runs")) << "the folders --out made are removed";
  // A folder that was there before stays.
  fs::create_directories(dir.path() + "/mine");
  r = Ilf("finetune --model " + model + " --data " + bad + " --out " + dir.path() +
          "/mine --device cpu");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(fs::is_directory(dir.path() + "/mine"));
}

TEST(BenchTrainCli, JsonReportsThroughputAndMfu) {
  std::string config = testing::FindData("golden/llama-tiny/config.json");
  if (config.empty()) GTEST_SKIP() << "golden/ data not found";
  auto r = RunCommand(IlfBinary() + " bench train --config " + config +
                      " --batch 2 --seq 16 --steps 2 --threads 1 --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json result = nlohmann::json::parse(r.output);
  EXPECT_GT(result["tokens_per_s"].get<double>(), 0.0);
  EXPECT_GT(result["mfu"].get<double>(), 0.0);
  EXPECT_LT(result["mfu"].get<double>(), 1.5);
  EXPECT_EQ(result["params"].get<int64_t>(), 51360);  // llama-tiny's parameter count
  EXPECT_GT(result["peak_memory_mib"].get<double>(), 0.0);
}

}  // namespace
}  // namespace ilf
