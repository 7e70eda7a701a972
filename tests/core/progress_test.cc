// What a user reads on the progress line.
#include "src/core/progress.h"

#include <gtest/gtest.h>

namespace ilf {
namespace {

TEST(ProgressTest, RateElapsedAndEta) {
  EXPECT_EQ(FormatProgress("eval", 40, 200, 5.0), "eval 40/200 (8.0/s, 0:05 elapsed, ETA 0:20)");
  EXPECT_EQ(FormatProgress("gen", 200, 200, 3725.0),
            "gen 200/200 (0.1/s, 1:02:05 elapsed, ETA 0:00)");
  EXPECT_EQ(FormatProgress("gen", 0, 10, 2.0), "gen 0/10 (0.0/s, 0:02 elapsed, ETA ?)");
}

TEST(ProgressTest, NoRateForWorkThatFinishedAtOnce) {
  // 200 samples rejected before any ran (syntax errors) once claimed 108577633.0/s.
  EXPECT_EQ(FormatProgress("eval", 200, 200, 0.000002), "eval 200/200 (0:00 elapsed)");
}

}  // namespace
}  // namespace ilf
