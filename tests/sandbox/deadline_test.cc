// Saturating deadlines (sandbox/deadline.h): a huge limit is "no deadline", never a wrapped one.
#include "sandbox/deadline.h"

#include <gtest/gtest.h>

namespace ilf::sandbox {
namespace {

TEST(DeadlineTest, HugeLimitsSaturateInsteadOfWrapping) {
  const DeadlineClock::time_point now = DeadlineClock::now();
  EXPECT_EQ(DeadlineAfter(now, INT64_MAX), DeadlineClock::time_point::max());
  EXPECT_EQ(DeadlineAfter(now, INT64_MAX / 1000), DeadlineClock::time_point::max());
  EXPECT_EQ(DeadlineAfter(now, 1500), now + std::chrono::milliseconds(1500));
  EXPECT_EQ(DeadlineAfter(now, -5), now);
  EXPECT_GT(DeadlineAfter(now, INT64_MAX), now) << "never in the past";
}

TEST(DeadlineTest, PollTimeoutsStayInRange) {
  const DeadlineClock::time_point now = DeadlineClock::now();
  EXPECT_EQ(PollTimeoutMs(now, DeadlineClock::time_point::max()), INT_MAX);
  EXPECT_EQ(PollTimeoutMs(now, now), 1);
  EXPECT_EQ(PollTimeoutMs(now, now - std::chrono::seconds(1)), 1);
  EXPECT_EQ(PollTimeoutMs(now, now + std::chrono::milliseconds(250)), 251);
  EXPECT_EQ(PollTimeoutMs(now, now + std::chrono::hours(24 * 365)), INT_MAX);
}

}  // namespace
}  // namespace ilf::sandbox
