// Finetuning against Hugging Face (../shared/data/golden): masked loss, global gradient norm and
// the logits after one torch.optim.AdamW step, through the same TrainStep the trainer runs.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "src/lm/safetensors.h"
#include "src/lm/train/train_step.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

class TrainGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainGolden, LossGradNormAndLogitsAfterAdamWMatchHuggingFace) {
  ILF_DATA_OR_SKIP(dir, "golden/" + GetParam());
  nlohmann::json golden = nlohmann::json::parse(std::ifstream(dir + "/golden.json"));
  const nlohmann::json& train = golden["train"];
  std::shared_ptr<CausalLmImpl> model = LoadCausalLm(dir, torch::kFloat32);
  model->train();

  std::vector<int64_t> ids = train["input_ids"].get<std::vector<int64_t>>();
  std::vector<int64_t> labels = train["labels"].get<std::vector<int64_t>>();
  TrainExample example{
      ids,
      labels,
      "golden",
  };
  Batch batch = Collate({example}, {0}, 0);
  const nlohmann::json& adamw = train["adamw"];
  AdamW optimizer(NamedWeights(*model),
                  {adamw["betas"][0].get<double>(), adamw["betas"][1].get<double>(),
                   adamw["eps"].get<double>(), adamw["weight_decay"].get<double>()});
  StepStats stats = TrainStep(*model, {batch}, optimizer, adamw["lr"].get<double>(),
                              /*max_grad_norm=*/0.0, ComputeOptions{});

  const double loss = train["loss"].get<double>();
  const double grad_norm = train["grad_norm"].get<double>();
  std::printf("%s: loss %.8f (HF %.8f), grad norm %.8f (HF %.8f)\n", GetParam().c_str(), stats.loss,
              loss, stats.grad_norm, grad_norm);
  EXPECT_NEAR(stats.loss, loss, 1e-4 * loss);
  EXPECT_NEAR(stats.grad_norm, grad_norm, 1e-4 * grad_norm);
  EXPECT_EQ(stats.target_tokens, static_cast<int64_t>(ids.size()) - 6);

  SafetensorsFile reference(dir + "/golden.safetensors");
  torch::Tensor expected = reference.View("logits_0_after_adamw_step").to(torch::kFloat32);
  model->eval();
  torch::NoGradGuard no_grad;
  auto prompt = golden["prompts"][0].get<std::vector<int64_t>>();
  torch::Tensor logits = ForwardLogits(*model, torch::tensor(prompt).unsqueeze(0))[0];  // [T, V]
  if (expected.dim() == 1) logits = logits[-1];  // qwen2-tiny keeps the last position only
  const double diff = (logits - expected).abs().max().item<double>();
  const double scale = expected.abs().max().item<double>();
  std::printf("%s: logits after one AdamW step, max |diff| %.3g (max |logit| %.3g)\n",
              GetParam().c_str(), diff, scale);
  EXPECT_LT(diff, 1e-4 * std::max(1.0, scale));
}

INSTANTIATE_TEST_SUITE_P(Models, TrainGolden,
                         ::testing::Values("llama-tiny", "qwen2-tiny", "gpt2-tiny"));

}  // namespace
}  // namespace ilf::lm
