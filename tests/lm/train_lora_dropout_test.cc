// LoRA dropout: eval mode computes the merged weights' output, training mode drops branch inputs
// reproducibly under a seed, and a finetune with --lora-dropout is deterministic per seed.
#include <gtest/gtest.h>

#include "src/lm/safetensors.h"
#include "src/lm/train/finetune.h"
#include "src/lm/train/lora.h"
#include "src/lm/train/train_state.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

struct Adapted {
  std::shared_ptr<CausalLmImpl> model;
  std::unique_ptr<LoraAdapters> lora;
};

Adapted MakeAdapted(const std::string& dir, double dropout) {
  Adapted a;
  a.model = LoadCausalLm(dir, torch::kFloat32);
  LoraConfig config;
  config.rank = 4;
  config.dropout = dropout;
  config.target_modules = {"q_proj", "v_proj", "down_proj"};
  a.lora = std::make_unique<LoraAdapters>(*a.model, config, 11);
  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  for (auto& [name, p] : a.lora->Parameters()) p.normal_(0.0, 0.2);  // a nonzero update B·A
  a.lora->Apply();
  return a;
}

torch::Tensor Ids() {
  return torch::tensor(std::vector<int64_t>{5, 9, 17, 33, 65, 2}).unsqueeze(0);
}

TEST(LoraDropout, EvalModeEqualsMergedWeights) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  Adapted a = MakeAdapted(dir, 0.3);
  a.model->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor adapted = ForwardLogits(*a.model, Ids());
  std::shared_ptr<CausalLmImpl> merged = LoadCausalLm(dir, torch::kFloat32);
  auto params = merged->named_parameters();
  for (const auto& [name, t] : a.lora->MergedWeights()) params[name].copy_(t);
  torch::Tensor expected = ForwardLogits(*merged, Ids());
  torch::Tensor base = ForwardLogits(*LoadCausalLm(dir, torch::kFloat32), Ids());
  const double diff = (adapted - expected).abs().max().item<double>();
  const double update = (expected - base).abs().max().item<double>();
  std::printf("eval-mode LoRA branch vs merged weights: max |diff| %.3g (LoRA moves logits %.3g)\n",
              diff, update);
  EXPECT_GT(update, 1e-3);
  EXPECT_LT(diff, 1e-5);
}

TEST(LoraDropout, TrainModeDropsReproduciblyUnderASeed) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  Adapted a = MakeAdapted(dir, 0.3);
  torch::NoGradGuard no_grad;
  a.model->eval();
  torch::Tensor eval = ForwardLogits(*a.model, Ids());
  a.model->train();
  torch::manual_seed(42);
  torch::Tensor first = ForwardLogits(*a.model, Ids());
  torch::manual_seed(42);
  torch::Tensor again = ForwardLogits(*a.model, Ids());
  torch::manual_seed(43);
  torch::Tensor other = ForwardLogits(*a.model, Ids());
  EXPECT_TRUE(first.equal(again));
  EXPECT_GT((first - eval).abs().max().item<double>(), 1e-4);
  EXPECT_GT((first - other).abs().max().item<double>(), 1e-4);
}

TEST(LoraDropout, ZeroDropoutKeepsTheMergedWeightPath) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  Adapted a = MakeAdapted(dir, 0.0);
  a.model->train();
  torch::NoGradGuard no_grad;
  torch::manual_seed(42);
  torch::Tensor first = ForwardLogits(*a.model, Ids());
  torch::manual_seed(43);
  EXPECT_TRUE(first.equal(ForwardLogits(*a.model, Ids())));  // nothing random in training mode
}

TEST(LoraDropout, FinetuneIsDeterministicPerSeedAndDropoutMatters) {
  ILF_DATA_OR_SKIP(model_dir, "golden/llama-tiny");
  testing::ScratchDir dir;
  FinetuneConfig c;
  c.model_dir = model_dir;
  c.data_path = dir.Write("pairs.jsonl",
                          "{\"prompt_ids\": [10, 11], \"target_ids\": [100, 101, 102]}\n"
                          "{\"prompt_ids\": [20], \"target_ids\": [200, 201]}\n");
  c.epochs = 2;
  c.lr = 1e-2;
  c.batch_size = 2;
  c.grad_accum = 1;
  c.device = "cpu";
  c.lora.rank = 4;
  c.lora.dropout = 0.5;
  auto run = [&](const std::string& name) {
    c.out_dir = dir.path() + "/" + name;
    Finetune(c);
    return ReadTensors(c.out_dir + "/model/model.safetensors");
  };
  auto first = run("a");
  auto again = run("b");
  c.lora.dropout = 0.0;
  auto none = run("c");
  double same = 0.0, differs = 0.0;
  for (const auto& [name, t] : first) {
    same = std::max(same, (t - again.at(name)).abs().max().item<double>());
    differs = std::max(differs, (t - none.at(name)).abs().max().item<double>());
  }
  std::printf("lora dropout finetune: rerun max |diff| %.3g, vs dropout 0 %.3g\n", same, differs);
  EXPECT_EQ(same, 0.0);
  EXPECT_GT(differs, 1e-6);
}

}  // namespace
}  // namespace ilf::lm
