// Finetuning end to end on the tiny llama-tiny golden checkpoint: memorising pairs, the metrics
// file, checkpoint reload, interrupted+resumed == uninterrupted (full and LoRA), crash mid-save.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/core/jsonl.h"
#include "src/lm/train/checkpoint.h"
#include "src/lm/train/finetune.h"
#include "src/lm/train/train_state.h"
#include "src/lm/train/train_step.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {
namespace fs = std::filesystem;

// Four (prompt, target) pairs in token ids; llama-tiny's eos (2) is appended to each target.
const char* kPairs =
    "{\"prompt_ids\": [10, 11, 12], \"target_ids\": [100, 101, 102, 103]}\n"
    "{\"prompt_ids\": [20, 21], \"target_ids\": [200, 201, 202]}\n"
    "{\"prompt_ids\": [30, 31, 32, 33], \"target_ids\": [300, 301]}\n"
    "{\"prompt_ids\": [40], \"target_ids\": [400, 401, 402, 403, 404]}\n";

std::vector<int64_t> Greedy(CausalLmImpl& model, std::vector<int64_t> ids, int n) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) {
    int64_t next =
        ForwardLogits(model, torch::tensor(ids).unsqueeze(0))[0][-1].argmax().item<int64_t>();
    out.push_back(next);
    ids.push_back(next);
  }
  return out;
}

std::map<std::string, torch::Tensor> Weights(const std::string& dir) {
  return ReadTensors(dir + "/model.safetensors");
}

double MaxDiff(const std::map<std::string, torch::Tensor>& a,
               const std::map<std::string, torch::Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0;
  for (const auto& [name, t] : a)
    diff = std::max(diff, (t - b.at(name)).abs().max().item<double>());
  return diff;
}

FinetuneConfig TinyConfig(const std::string& model, const std::string& data,
                          const std::string& out) {
  FinetuneConfig c;
  c.model_dir = model;
  c.data_path = data;
  c.out_dir = out;
  c.epochs = 6;
  c.lr = 1e-2;
  c.batch_size = 1;
  c.grad_accum = 2;
  c.seed = 3;
  c.weight_decay = 0.01;
  c.warmup_steps = 2;
  c.device = "cpu";
  return c;
}

TEST(Finetune, MemorisesPairsAndLogsTheLossCurve) {
  ILF_DATA_OR_SKIP(model_dir, "golden/llama-tiny");
  testing::ScratchDir dir;
  FinetuneConfig c = TinyConfig(model_dir, dir.Write("pairs.jsonl", kPairs), dir.path() + "/run");
  c.epochs = 40;
  c.batch_size = 2;
  c.grad_accum = 1;
  FinetuneResult result = Finetune(c);
  EXPECT_EQ(result.steps, 80);
  auto model = LoadCausalLm(result.model_out, torch::kFloat32);
  EXPECT_EQ(Greedy(*model, {10, 11, 12}, 5), (std::vector<int64_t>{100, 101, 102, 103, 2}));
  EXPECT_EQ(Greedy(*model, {20, 21}, 4), (std::vector<int64_t>{200, 201, 202, 2}));
  EXPECT_EQ(Greedy(*model, {30, 31, 32, 33}, 3), (std::vector<int64_t>{300, 301, 2}));
  EXPECT_EQ(Greedy(*model, {40}, 6), (std::vector<int64_t>{400, 401, 402, 403, 404, 2}));

  auto records = ReadArtifact(c.out_dir + "/metrics.jsonl", "ilf.train_metrics", 1, true);
  ASSERT_EQ(records.size(), 80u);
  EXPECT_EQ(records.front().Int("step"), 1);
  EXPECT_GT(records.front().Number("loss"), 5.0);  // ln(512) = 6.2 at the start
  EXPECT_LT(records.back().Number("loss"), 0.1);
  for (const char* key : {"epoch", "lr", "grad_norm", "tokens_per_s"})
    EXPECT_TRUE(records[5].Has(key));
  EXPECT_NEAR(records.back().Number("epoch"), 40.0, 1e-9);
  // The model directory is a plain HF checkpoint: config, weights, no training state.
  EXPECT_TRUE(fs::exists(result.model_out + "/config.json"));
  EXPECT_FALSE(fs::exists(result.model_out + "/" + kTrainStateFile));
}

void ExpectResumeMatches(FinetuneConfig c, const std::string& root) {
  const std::string base_out = c.out_dir;
  c.out_dir = root + "/straight";
  Finetune(c);
  c.out_dir = root + "/interrupted";
  c.save_every_steps = 3;
  c.stop_after_steps = 7;  // stops after step 7; the last save is step 6, so step 7 is redone
  EXPECT_THROW(Finetune(c), Interrupted);
  EXPECT_EQ(LatestCheckpoint(c.out_dir)->first, 6);
  c.stop_after_steps = 0;
  EXPECT_THROW(Finetune(c), Error) << "a non-empty --out without --resume is refused";
  c.resume = true;
  FinetuneResult resumed = Finetune(c);
  EXPECT_EQ(resumed.resumed_from_step, 6);
  EXPECT_EQ(MaxDiff(Weights(root + "/straight/model"), Weights(resumed.model_out)), 0.0);
  auto records = ReadArtifact(c.out_dir + "/metrics.jsonl", "ilf.train_metrics", 1, true);
  ASSERT_EQ(records.size(), 12u) << "redone steps replace their old records";
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].Int("step"), int64_t(i) + 1);
  c.resume = true;
  c.lr = 2e-2;
  try {
    Finetune(c);
    FAIL() << "a resume with another lr must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lr (saved 0.01, now 0.02)"), std::string::npos)
        << e.what();
  }
}

TEST(Finetune, InterruptedThenResumedEqualsUninterrupted) {
  ILF_DATA_OR_SKIP(model_dir, "golden/llama-tiny");
  testing::ScratchDir dir;
  ExpectResumeMatches(TinyConfig(model_dir, dir.Write("pairs.jsonl", kPairs), ""), dir.path());
}

TEST(Finetune, LoraResumesAndSavesMergedWeights) {
  ILF_DATA_OR_SKIP(model_dir, "golden/llama-tiny");
  testing::ScratchDir dir;
  FinetuneConfig c = TinyConfig(model_dir, dir.Write("pairs.jsonl", kPairs), "");
  c.lora.rank = 4;
  c.lora.target_modules = {"q_proj", "v_proj", "down_proj"};
  ExpectResumeMatches(c, dir.path());
  auto base = Weights(model_dir);
  auto tuned = Weights(dir.path() + "/straight/model");
  for (const auto& [name, t] : base) {
    const bool adapted = name.find("q_proj") != std::string::npos ||
                         name.find("v_proj") != std::string::npos ||
                         name.find("down_proj") != std::string::npos;
    EXPECT_EQ(adapted, !t.equal(tuned.at(name))) << name;
  }
}

TEST(Checkpoint, ReloadsWithIdenticalLogitsAndSurvivesACrashMidSave) {
  ILF_DATA_OR_SKIP(model_dir, "golden/llama-tiny");
  testing::ScratchDir dir;
  auto model = LoadCausalLm(model_dir, torch::kFloat32);
  model->train();
  AdamW optimizer(NamedWeights(*model), {});
  Batch batch = Collate({MakeExample({1, 2, 3}, {4, 5}, {}, "x")}, {0}, 0);
  TrainStep(*model, {batch}, optimizer, 1e-2, 1.0, ComputeOptions{});
  model->eval();
  torch::Tensor ids = torch::tensor({{5, 6, 7, 8}});
  torch::Tensor logits = ForwardLogits(*model, ids).detach();

  const std::string ckpt = dir.path() + "/ckpt";
  SaveOptions sharded;
  sharded.max_shard_bytes = 64 << 10;  // 200 KB of weights -> several shards
  sharded.tokenizer_dir = model_dir;
  SaveCheckpoint(ckpt, model->config(), NamedWeights(*model), sharded);
  EXPECT_TRUE(fs::exists(ckpt + "/model.safetensors.index.json"));
  EXPECT_TRUE(fs::exists(ckpt + "/model-00002-of-00004.safetensors"));
  EXPECT_TRUE(fs::exists(ckpt + "/generation_config.json"));
  auto reloaded = LoadCausalLm(ckpt, torch::kFloat32);
  EXPECT_TRUE(ForwardLogits(*reloaded, ids).equal(logits));

  // Another step, then a save that "crashes" after its second shard: the old checkpoint stays.
  model->train();
  TrainStep(*model, {batch}, optimizer, 1e-2, 1.0, ComputeOptions{});
  SaveOptions crashing = sharded;
  int files = 0;
  crashing.after_weights_file = [&](const std::string&) {
    if (++files == 2) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(SaveCheckpoint(ckpt, model->config(), NamedWeights(*model), crashing),
               std::runtime_error);
  EXPECT_TRUE(ForwardLogits(*LoadCausalLm(ckpt, torch::kFloat32), ids).equal(logits));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "ckpt") << "leftover " << entry.path();
  }
  // A save killed before its rename leaves a staging directory: never picked, removed later.
  fs::create_directories(dir.path() + "/run/checkpoint-00000009.tmp-77");
  std::ofstream(dir.path() + "/run/checkpoint-00000009.tmp-77/" + kTrainStateFile) << "{}";
  EXPECT_FALSE(LatestCheckpoint(dir.path() + "/run").has_value());
  RemoveStaleStaging(dir.path() + "/run");
  EXPECT_TRUE(fs::is_empty(dir.path() + "/run"));
}

}  // namespace
}  // namespace ilf::lm
