// The comparison point of `ilf bench sandbox`: one fresh `python3 -I -S` process per program,
// with the same rlimits as the sandbox's untrusted process (CPU, address space, file size, open
// files, no core dumps) but none of its other isolation. Trusted reference code only.
#pragma once

#include <string>

#include "sandbox/sandbox.h"

namespace ilf::sandbox {

struct BaselineResult {
  bool passed = false;      // exited with status 0 within the wall-clock limit
  double wall_time_ms = 0;  // spawn to reap
  std::string detail;       // "exit 1", "signal 9", "timeout", "spawn: ..."
};

// Writes `source` to a private temporary file and runs `python -I -S FILE` with stdout/stderr
// discarded. Thread-safe.
BaselineResult RunFreshPython(const std::string& python, const std::string& source,
                              const Limits& limits);

}  // namespace ilf::sandbox
