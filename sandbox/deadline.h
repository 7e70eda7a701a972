// Deadlines and poll() timeouts from millisecond limits, saturating instead of overflowing: a
// limit of INT64_MAX ms means "no deadline", never a deadline in the past (steady_clock counts
// nanoseconds in int64, so now + INT64_MAX ms wraps) nor a negative or truncated poll timeout.
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>

namespace ilf::sandbox {

using DeadlineClock = std::chrono::steady_clock;

// now + ms, or time_point::max() when that is not representable; a negative ms is 0.
inline DeadlineClock::time_point DeadlineAfter(DeadlineClock::time_point now, int64_t ms) {
  const int64_t room =
      std::chrono::duration_cast<std::chrono::milliseconds>(DeadlineClock::time_point::max() - now)
          .count();
  if (ms >= room) return DeadlineClock::time_point::max();
  return now + std::chrono::milliseconds(std::max<int64_t>(ms, 0));
}

// Whole milliseconds from now until `deadline`, rounded up, as a poll() timeout: from 1 (a
// deadline now or past: poll returns at once after a check) to INT_MAX.
inline int PollTimeoutMs(DeadlineClock::time_point now, DeadlineClock::time_point deadline) {
  if (deadline <= now) return 1;
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

}  // namespace ilf::sandbox
