#include "tasks/pass_at_k.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ilf::tasks {
namespace {

struct Case {
  int64_t n, c, k;
  double expected;  // 1 - C(n-c,k)/C(n,k) computed exactly with Python's fractions, then rounded once
};

TEST(PassAtK, AgreesWithExactEstimator) {
  const Case kCases[] = {
      {1, 0, 1, 0.0},
      {1, 1, 1, 1.0},
      {5, 0, 1, 0.0},
      {5, 5, 5, 1.0},
      {5, 2, 5, 1.0},
      {5, 2, 3, 0.9},
      {10, 3, 1, 0.3},
      {10, 3, 5, 0.9166666666666666},
      {10, 10, 1, 1.0},
      {30, 7, 10, 0.9619216033009137},
      {30, 1, 29, 0.9666666666666667},
      {200, 0, 100, 0.0},
      {200, 1, 1, 0.005},
      {200, 13, 10, 0.49755111473060615},
      {200, 57, 100, 1.0},
      {200, 199, 100, 1.0},
      {200, 200, 200, 1.0},
      {200, 100, 200, 1.0},
      {200, 3, 150, 0.985076899649764},
      {100, 3, 100, 1.0},
      {20, 20, 10, 1.0},
      {37, 1, 36, 0.972972972972973},
      {200, 1, 199, 0.995},
      {200, 2, 100, 0.7512562814070352},
      {200, 5, 50, 0.7666870346193357},
      {200, 40, 5, 0.6764600717534349},
      {200, 10, 20, 0.660225623763214},
      {200, 1, 10, 0.05},
  };
  for (const Case& c : kCases) {
    double got = PassAtK(c.n, c.c, c.k);
    EXPECT_NEAR(got, c.expected, 1e-12) << "n=" << c.n << " c=" << c.c << " k=" << c.k;
  }
}

TEST(PassAtK, MeanOverTasksAndKAboveNIsReported) {
  std::vector<TaskCounts> tasks = {{10, 3}, {10, 0}, {5, 5}, {0, 0}};
  auto results = MeanPassAtK(tasks, {1, 5, 10});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_NEAR(*results[0].value, (0.3 + 0.0 + 1.0) / 3, 1e-12);
  EXPECT_EQ(results[0].tasks, 3);
  ASSERT_TRUE(results[1].value.has_value());
  EXPECT_FALSE(results[2].value.has_value());  // task 3 has n=5 < 10: not silently dropped
  EXPECT_EQ(results[2].tasks_below_k, 1);
  EXPECT_EQ(results[2].note, "k=10 > n for 1 tasks (min n = 5)");
}

TEST(PassAtK, NoSamplesGivesNoValue) {
  auto results = MeanPassAtK({}, {1});
  EXPECT_FALSE(results[0].value.has_value());
  EXPECT_EQ(results[0].note, "no samples");
}

}  // namespace
}  // namespace ilf::tasks
