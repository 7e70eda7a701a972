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

int CountLines(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(ProgressTest, LogPrintsTheFinalCountOnce) {
  // Not a terminal (gtest captures stderr into a file): every Advance past the interval logs.
  testing::internal::CaptureStderr();
  {
    Progress progress("work", 3, /*log_interval_s=*/0.0);
    progress.Advance(1);
    progress.Advance(2);  // logs "work 3/3"
    progress.Finish();    // must not log "work 3/3" again
  }
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(log, "work 3/3"), 1) << log;
  EXPECT_EQ(CountLines(log, "work 1/3"), 1) << log;
}

TEST(ProgressTest, LogPrintsTheFinalCountWhenNoLineShowedIt) {
  testing::internal::CaptureStderr();
  {
    Progress progress("work", 3, /*log_interval_s=*/3600.0);
    progress.Advance(3);
  }  // the destructor finishes
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(log, "work 3/3"), 1) << log;
}

}  // namespace
}  // namespace ilf
