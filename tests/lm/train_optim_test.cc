// AdamW against LibTorch's own torch::optim::AdamW, the HF linear schedule, clipping, masked loss.
#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/lm/train/optim.h"

namespace ilf::lm {
namespace {

TEST(AdamW, MatchesTorchAdamWOverSeveralSteps) {
  torch::manual_seed(0);
  torch::Tensor start = torch::randn({5, 3});
  torch::Tensor mine = start.clone().requires_grad_(true);
  torch::Tensor theirs = start.clone().requires_grad_(true);
  AdamW ours({{"w", mine}}, {0.9, 0.99, 1e-8, 0.1});
  torch::optim::AdamW reference(
      {theirs}, torch::optim::AdamWOptions(1e-2).betas({0.9, 0.99}).eps(1e-8).weight_decay(0.1));
  for (int step = 0; step < 5; ++step) {
    torch::Tensor target = torch::randn({5, 3});
    for (auto* p : {&mine, &theirs}) ((*p - target).pow(2).sum() * (step + 1)).backward();
    ours.Step(1e-2);
    reference.step();
    ours.ZeroGrad();
    reference.zero_grad();
  }
  EXPECT_EQ(ours.steps_taken(), 5);
  EXPECT_LT((mine - theirs).abs().max().item<double>(), 1e-6);
  EXPECT_GT((mine - start).abs().max().item<double>(), 1e-3);  // it moved
}

TEST(AdamW, StateRoundTripsAndRefusesAnotherModel) {
  torch::Tensor w = torch::ones({2, 2}).requires_grad_(true);
  AdamW a({{"w", w}}, {});
  w.sum().backward();
  a.Step(0.1);
  std::map<std::string, torch::Tensor> state;
  for (auto& [name, t] : a.StateTensors()) state[name] = t.clone();
  torch::Tensor w2 = w.detach().clone().requires_grad_(true);
  AdamW b({{"w", w2}}, {});
  b.LoadState(state, "state.pt");
  EXPECT_EQ(b.steps_taken(), 1);
  a.ZeroGrad();
  (w * w).sum().backward();
  (w2 * w2).sum().backward();
  a.Step(0.1);
  b.Step(0.1);
  EXPECT_TRUE(w.equal(w2));
  torch::Tensor other = torch::ones({3}).requires_grad_(true);
  AdamW c({{"v", other}}, {});
  try {
    c.LoadState(state, "state.pt");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("state.pt: optimizer state has no tensor 'exp_avg/v'"),
              std::string::npos);
  }
}

TEST(Schedule, LinearWarmupThenDecayLikeHuggingFace) {
  EXPECT_DOUBLE_EQ(LinearScheduleLr(1.0, 0, 2, 10), 0.0);
  EXPECT_DOUBLE_EQ(LinearScheduleLr(1.0, 1, 2, 10), 0.5);
  EXPECT_DOUBLE_EQ(LinearScheduleLr(1.0, 2, 2, 10), 1.0);
  EXPECT_DOUBLE_EQ(LinearScheduleLr(1.0, 6, 2, 10), 0.5);
  EXPECT_DOUBLE_EQ(LinearScheduleLr(1.0, 10, 2, 10), 0.0);
  EXPECT_DOUBLE_EQ(LinearScheduleLr(5e-6, 0, 0, 4), 5e-6);
  EXPECT_DOUBLE_EQ(LinearScheduleLr(5e-6, 3, 0, 4), 5e-6 / 4);
}

TEST(Clip, GlobalNormAndScaling) {
  torch::Tensor a = torch::zeros({2}).requires_grad_(true);
  torch::Tensor b = torch::zeros({1}).requires_grad_(true);
  a.mutable_grad() = torch::tensor({3.0f, 0.0f});
  b.mutable_grad() = torch::tensor({4.0f});
  EXPECT_NEAR(ClipGradNorm({a, b}, 0.0), 5.0, 1e-9);
  EXPECT_NEAR(ClipGradNorm({a, b}, 1.0), 5.0, 1e-9);
  EXPECT_NEAR(ClipGradNorm({a, b}, 0.0), 1.0, 1e-6);
  EXPECT_NEAR(ClipGradNorm({a, b}, 10.0), 1.0, 1e-6);  // below the threshold: untouched
}

TEST(Loss, ShiftsLabelsAndSkipsMasked) {
  torch::Tensor logits = torch::zeros({1, 3, 4});
  logits[0][0][2] = 10.0;  // position 0 predicts token 2 confidently
  torch::Tensor labels = torch::tensor({{-100, 2, 1}});
  // position 0 → label 2 (near 0 loss), position 1 → label 1 (uniform: log 4).
  double loss = NextTokenLossSum(logits, labels).item<double>();
  EXPECT_NEAR(loss, std::log(4.0) + std::log(1.0 + 3.0 * std::exp(-10.0)), 1e-5);
  EXPECT_NEAR(NextTokenLossSum(logits, torch::tensor({{5, -100, -100}})).item<double>(), 0.0, 0);
}

}  // namespace
}  // namespace ilf::lm
