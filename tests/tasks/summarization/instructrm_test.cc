// The pure parts of the selectors and the judge: normalisation, ensemble, argmax with the paper's
// tie rule, cosine, and win-rate aggregation.
#include "tasks/summarization/instructrm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tasks/summarization/embedding.h"
#include "tasks/summarization/judge.h"

namespace ilf::tasks::summarization {
namespace {

TEST(InstructRm, NormalizedPositiveIsTheTwoWaySoftmax) {
  EXPECT_DOUBLE_EQ(NormalizedPositive(std::log(0.3), std::log(0.1)), 0.75);
  EXPECT_DOUBLE_EQ(NormalizedPositive(-2.0, -2.0), 0.5);
  // Far below the rest of the vocabulary, the ratio still comes out (no 0 / 0).
  EXPECT_NEAR(NormalizedPositive(-1000.0, -1000.0 - std::log(3.0)), 0.75, 1e-12);
}

TEST(InstructRm, EnsembleAveragesEachRefinementOverPrompts) {
  std::vector<double> mean = EnsembleMean({{0.1, 0.9}, {0.3, 0.5}, {0.2, 0.4}});
  ASSERT_EQ(mean.size(), 2u);
  EXPECT_NEAR(mean[0], 0.2, 1e-12);
  EXPECT_NEAR(mean[1], 0.6, 1e-12);
}

TEST(InstructRm, SelectsTheArgmaxAndTheLaterLetterOnTies) {
  EXPECT_EQ(SelectBest({0.2, 0.7, 0.1}), 1u);
  EXPECT_EQ(SelectBest({0.7, 0.2, 0.7, 0.1}), 2u);  // np.argsort(s)[::-1][0]
  EXPECT_EQ(SelectBest({0.4}), 0u);
}

TEST(Embedding, Cosine) {
  EXPECT_NEAR(Cosine({1, 0}, {0, 2}), 0.0, 1e-12);
  EXPECT_NEAR(Cosine({1, 2}, {2, 4}), 1.0, 1e-12);
  EXPECT_NEAR(Cosine({1, 1}, {-1, -1}), -1.0, 1e-12);
  EXPECT_EQ(Cosine({0, 0}, {1, 1}), 0.0);
}

TEST(Judge, WinRateCountsTiesAsHalf) {
  WinRate rate = AggregateWinRate({0.9, 0.5, 0.2, 0.6});
  EXPECT_EQ(rate.wins, 2);
  EXPECT_EQ(rate.ties, 1);
  EXPECT_EQ(rate.losses, 1);
  EXPECT_DOUBLE_EQ(rate.win_rate, 2.5 / 4);
  EXPECT_DOUBLE_EQ(rate.mean_preference, 2.2 / 4);
  EXPECT_EQ(AggregateWinRate({}).win_rate, 0.0);
}

}  // namespace
}  // namespace ilf::tasks::summarization
