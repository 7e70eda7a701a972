// Activation checkpointing: loss and every parameter's gradient are those of the plain forward
// (full finetuning and LoRA, llama-tiny and gpt2-tiny), and a short finetune ends with the same
// weights.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "src/core/error.h"
#include "src/lm/activation_checkpoint.h"
#include "src/lm/safetensors.h"
#include "src/lm/train/finetune.h"
#include "src/lm/train/train_state.h"
#include "src/lm/train/train_step.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

Batch GoldenBatch(const std::string& dir) {
  nlohmann::json golden = nlohmann::json::parse(std::ifstream(dir + "/golden.json"));
  TrainExample example{golden["train"]["input_ids"].get<std::vector<int64_t>>(),
                       golden["train"]["labels"].get<std::vector<int64_t>>(), "golden"};
  return Collate({example, example}, {0, 1}, 0);
}

// Loss and gradients (by name) of one forward/backward over `batch`.
std::pair<double, std::map<std::string, torch::Tensor>> LossAndGrads(CausalLmImpl& model,
                                                                     const NamedTensors& params,
                                                                     const Batch& batch,
                                                                     LoraAdapters* lora) {
  for (const auto& [name, p] : params) p.mutable_grad() = torch::Tensor();
  ComputeOptions compute;
  compute.lora = lora;
  torch::Tensor loss = NextTokenLossSum(TrainLogits(model, batch, compute), batch.labels) /
                       static_cast<double>(batch.target_tokens);
  loss.backward();
  std::map<std::string, torch::Tensor> grads;
  for (const auto& [name, p] : params) {
    grads[name] = p.grad().defined() ? p.grad().clone() : torch::zeros_like(p);
  }
  return {loss.item<double>(), grads};
}

void ExpectSameGradients(const std::string& name, int64_t lora_rank) {
  ILF_DATA_OR_SKIP(dir, "golden/" + name);
  std::shared_ptr<CausalLmImpl> model = LoadCausalLm(dir, torch::kFloat32);
  model->train();
  std::unique_ptr<LoraAdapters> lora;
  if (lora_rank > 0) {
    LoraConfig config;
    config.rank = lora_rank;
    config.target_modules = name == "gpt2-tiny" ? std::vector<std::string>{"c_attn", "c_fc"}
                                                : std::vector<std::string>{"q_proj", "down_proj"};
    lora = std::make_unique<LoraAdapters>(*model, config, 5);
    torch::NoGradGuard no_grad;  // a nonzero B, so every adapter gets a gradient
    for (auto& [n, p] : lora->Parameters()) p.normal_(0.0, 0.1);
  }
  NamedTensors params = lora ? lora->Parameters() : NamedWeights(*model);
  Batch batch = GoldenBatch(dir);
  auto [plain_loss, plain] = LossAndGrads(*model, params, batch, lora.get());
  model->set_activation_checkpointing(true);
  auto [ckpt_loss, ckpt] = LossAndGrads(*model, params, batch, lora.get());
  double max_diff = 0.0, max_grad = 0.0;
  for (const auto& [n, g] : plain) {
    ASSERT_GT(g.abs().max().item<double>(), 0.0) << n << " got no gradient";
    max_diff = std::max(max_diff, (g - ckpt.at(n)).abs().max().item<double>());
    max_grad = std::max(max_grad, g.abs().max().item<double>());
  }
  std::printf(
      "%s (lora rank %ld): loss %.8f vs %.8f, %zu gradients, max |diff| %.3g (max |g| %.3g)\n",
      name.c_str(), static_cast<long>(lora_rank), plain_loss, ckpt_loss, plain.size(), max_diff,
      max_grad);
  EXPECT_LT(std::abs(plain_loss - ckpt_loss), 1e-6);
  EXPECT_LT(max_diff, 1e-6);
}

TEST(ActivationCheckpointing, RecomputesTheLayerInBackward) {
  torch::Tensor w = torch::tensor({0.5, -2.0, 3.0}).requires_grad_(true);
  torch::Tensor x = torch::tensor({1.0, 2.0, 3.0}).requires_grad_(true);
  int calls = 0;
  auto layer = [&](const torch::Tensor& h) {
    ++calls;
    return (h.sin() * w).tanh();
  };
  torch::Tensor y = CheckpointLayer(layer, x * 2);
  EXPECT_EQ(calls, 1);
  y.sum().backward();
  EXPECT_EQ(calls, 2);  // the backward reran the layer
  torch::Tensor x_ref = x.detach().requires_grad_(true);
  torch::Tensor w_ref = w.detach().requires_grad_(true);
  ((x_ref * 2).sin() * w_ref).tanh().sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), x_ref.grad()));
  EXPECT_TRUE(torch::allclose(w.grad(), w_ref.grad()));
  {
    torch::NoGradGuard no_grad;  // no autograd: a plain call
    EXPECT_FALSE(CheckpointLayer(layer, x).requires_grad());
  }
  // A frozen input (LoRA's first layer) still delivers the parameters' gradients.
  w.mutable_grad() = torch::Tensor();
  CheckpointLayer(layer, torch::tensor({1.0, 2.0, 3.0})).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_GT(w.grad().abs().sum().item<double>(), 0.0);
}

TEST(ActivationCheckpointing, SameLossAndGradientsLlama) { ExpectSameGradients("llama-tiny", 0); }
TEST(ActivationCheckpointing, SameLossAndGradientsGpt2) { ExpectSameGradients("gpt2-tiny", 0); }
TEST(ActivationCheckpointing, SameGradientsWithLoraLlama) { ExpectSameGradients("llama-tiny", 4); }
TEST(ActivationCheckpointing, SameGradientsWithLoraGpt2) { ExpectSameGradients("gpt2-tiny", 4); }

TEST(ActivationCheckpointing, InferenceWithCacheIsUnchanged) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  std::shared_ptr<CausalLmImpl> model = LoadCausalLm(dir, torch::kFloat32);
  torch::Tensor ids = torch::tensor(std::vector<int64_t>{5, 6, 7, 8}).unsqueeze(0);
  torch::Tensor plain = ForwardLogits(*model, ids);
  model->set_activation_checkpointing(true);
  torch::Tensor ckpt = ForwardLogits(*model, ids);  // grad mode on: the checkpointed path
  EXPECT_TRUE(ckpt.requires_grad());
  EXPECT_LT((plain - ckpt).abs().max().item<double>(), 1e-6);
}

const char* kPairs =
    "{\"prompt_ids\": [10, 11, 12], \"target_ids\": [100, 101, 102, 103]}\n"
    "{\"prompt_ids\": [20, 21], \"target_ids\": [200, 201, 202]}\n"
    "{\"prompt_ids\": [30, 31, 32, 33], \"target_ids\": [300, 301]}\n";

TEST(ActivationCheckpointing, FinetuneEndsWithTheSameWeights) {
  ILF_DATA_OR_SKIP(model_dir, "golden/llama-tiny");
  testing::ScratchDir dir;
  FinetuneConfig c;
  c.model_dir = model_dir;
  c.data_path = dir.Write("pairs.jsonl", kPairs);
  c.epochs = 2;
  c.lr = 1e-3;
  c.batch_size = 2;
  c.grad_accum = 1;
  c.device = "cpu";
  c.out_dir = dir.path() + "/plain";
  Finetune(c);
  c.activation_checkpointing = true;
  c.out_dir = dir.path() + "/ckpt";
  Finetune(c);
  auto plain = ReadTensors(dir.path() + "/plain/model/model.safetensors");
  auto ckpt = ReadTensors(dir.path() + "/ckpt/model/model.safetensors");
  auto base = ReadTensors(model_dir + "/model.safetensors");
  ASSERT_EQ(plain.size(), ckpt.size());
  double diff = 0.0, moved = 0.0;
  for (const auto& [name, t] : plain) {
    diff = std::max(diff, (t - ckpt.at(name)).abs().max().item<double>());
    if (base.count(name)) moved = std::max(moved, (t - base.at(name)).abs().max().item<double>());
  }
  std::printf("finetune with/without checkpointing: max |weight diff| %.3g (moved %.3g)\n", diff,
              moved);
  EXPECT_GT(moved, 1e-4);
  EXPECT_LT(diff, 1e-6);
}

TEST(ActivationCheckpointing, RefusesLoraDropout) {
  FinetuneConfig c;
  c.model_dir = "unused";
  c.data_path = "unused";
  c.out_dir = "unused";
  c.activation_checkpointing = true;
  c.lora.rank = 4;
  c.lora.dropout = 0.1;
  EXPECT_THROW(Finetune(c), Error);
}

}  // namespace
}  // namespace ilf::lm
