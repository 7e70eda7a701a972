// A sandbox shared by the tests of one binary (starting helpers costs ~100 ms each).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace ilf::sandbox::testing {

class SandboxTest : public ::testing::Test {
 public:
  static Sandbox& sandbox() { return *sandbox_; }

 protected:
  static void SetUpTestSuite() {
    if (!sandbox_) {
      SandboxOptions options;
      options.workers = 2;
      sandbox_ = std::make_unique<Sandbox>(options);
    }
  }
  // Runs `program` with the given tests and a short default time limit.
  static ExecResult Run(const std::string& program, const std::vector<std::string>& tests,
                        const std::string& setup = "", int64_t wall_time_ms = 5000) {
    ExecRequest request;
    request.program = program;
    request.setup = setup;
    request.tests = tests;
    request.limits.wall_time_ms = wall_time_ms;
    request.limits.cpu_time_ms = wall_time_ms;
    return sandbox_->Run(request);
  }

 private:
  // Lives until the process exits; its destructor lets the helpers clean up.
  static inline std::unique_ptr<Sandbox> sandbox_;
};

// Prints the whole result when an expectation about it fails.
inline std::string Describe(const ExecResult& result) { return result.ToJson().dump(1); }

}  // namespace ilf::sandbox::testing
