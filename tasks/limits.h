// Upper bounds of the sandbox limits a suite manifest or a command line may set: a day of wall
// time, 1 TiB of memory. Without them -1 turned the memory limit off and 2^44 + 1 MiB wrapped to
// 1 MiB in bytes.
#pragma once

#include <cstdint>

namespace ilf::tasks {

constexpr int64_t kMaxTimeLimitMs = 24ll * 3600 * 1000;  // wall and CPU time, ms
constexpr int64_t kMaxMemoryLimitMib = 1ll << 20;        // address space, MiB

}  // namespace ilf::tasks
