// Sampling transforms are pure: a table of logits and draws in, tokens out.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "src/lm/sampling.h"

namespace ilf::lm {
namespace {

torch::Tensor Row(std::vector<float> values) { return torch::tensor(values).view({1, -1}); }

std::vector<bool> Kept(const torch::Tensor& logits) {
  std::vector<bool> kept;
  for (int64_t i = 0; i < logits.size(1); ++i)
    kept.push_back(std::isfinite(logits[0][i].item<float>()));
  return kept;
}

TEST(SamplingTest, TopKAndTopPKeepTheExpectedTokens) {
  // probabilities of exp(logits): 0.5, 0.25, 0.125, 0.125 for logits log(4), log(2), 0, 0.
  torch::Tensor logits = Row({std::log(4.f), std::log(2.f), 0.f, 0.f});
  struct Case {
    int64_t top_k;
    double top_p;
    std::vector<bool> kept;
  } cases[] = {
      {0, 1.0, {true, true, true, true}},
      {1, 1.0, {true, false, false, false}},
      {2, 1.0, {true, true, false, false}},
      {0, 0.5, {true, false, false, false}},  // the first token alone reaches 0.5
      {0, 0.6, {true, true, false, false}},
      {0, 0.9, {true, true, true, true}},
      {0, 0.01, {true, false, false, false}},  // the best token always stays
      {3, 0.7, {true, true, false, false}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Kept(ProcessLogits(logits, {1.0, c.top_k, c.top_p})), c.kept)
        << "top_k " << c.top_k << " top_p " << c.top_p;
  }
}

TEST(SamplingTest, InverseCdfPicksTheTokenWhoseIntervalHoldsTheDraw) {
  torch::Tensor logits = Row({std::log(4.f), std::log(2.f), 0.f, 0.f});  // 0.5 0.25 0.125 0.125
  struct Case {
    double draw;
    int64_t token;
  } cases[] = {{0.0, 0},  {0.49, 0},  {0.51, 1},  {0.74, 1},
               {0.76, 2}, {0.874, 2}, {0.876, 3}, {0.9999, 3}};
  for (const Case& c : cases) {
    torch::Tensor token = SampleWithDraws(logits, torch::tensor({c.draw}, torch::kDouble));
    EXPECT_EQ(token.item<int64_t>(), c.token) << "draw " << c.draw;
  }
  // Removed tokens (-inf) are never drawn.
  torch::Tensor filtered = ProcessLogits(logits, {1.0, 1, 1.0});
  EXPECT_EQ(SampleWithDraws(filtered, torch::tensor({0.99}, torch::kDouble)).item<int64_t>(), 0);
}

TEST(SamplingTest, TemperatureSharpensAndGreedyIsArgmax) {
  torch::Tensor logits = Row({1.f, 3.f, 2.f});
  torch::Tensor cold = ProcessLogits(logits, {0.5, 0, 1.0});
  EXPECT_FLOAT_EQ(cold[0][1].item<float>(), 6.f);
  EXPECT_EQ(NextTokens(logits, {0.0, 0, 1.0}, 1, {0}, 0).item<int64_t>(), 1);
}

TEST(SamplingTest, DrawsDependOnlyOnSeedStreamAndStep) {
  EXPECT_EQ(UniformDraw(1, 2, 3), UniformDraw(1, 2, 3));
  EXPECT_NE(UniformDraw(1, 2, 3), UniformDraw(1, 2, 4));
  EXPECT_NE(UniformDraw(1, 2, 3), UniformDraw(1, 3, 3));
  EXPECT_NE(UniformDraw(1, 2, 3), UniformDraw(2, 2, 3));
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    double u = UniformDraw(5, 0, i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
}  // namespace ilf::lm
