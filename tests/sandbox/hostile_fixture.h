// Fixture for the hostile suite: after every test, the host must be unharmed — the same helper
// processes alive (none restarted), no other descendant left (no untrusted process, no daemon),
// no canary file created, the loopback listener never contacted.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "tests/sandbox/host_facts.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace ilf::sandbox::testing {

inline constexpr char kSecret[] = "ilf-host-secret-7f3a9c";

class HostileTest : public SandboxTest {
 protected:
  static void SetUpTestSuite() {
    BecomeSubreaper();  // orphans of anything the program starts would be re-parented to us
    setenv("ILF_HOSTILE_SECRET", kSecret, 1);
    SandboxTest::SetUpTestSuite();
  }

  void SetUp() override { helpers_ = HelperPids(); }

  void TearDown() override {
    EXPECT_EQ(HelperPids(), helpers_) << "a helper died or was restarted";
    // Besides the helpers, only their trusted, long-lived children may exist: one evaluator and
    // one fork server each. (A program cannot take those names: prctl is not in the seccomp
    // policy, and Landlock keeps /proc/self/comm unwritable.)
    std::set<pid_t> helpers = HelperPids();
    std::set<std::pair<pid_t, std::string>> trusted;
    for (const ProcessInfo& p : Descendants()) {
      if (helpers.count(p.pid) == 1) continue;
      bool known = (p.comm == "ilf-evaluator" || p.comm == "ilf-forkserver") &&
                   helpers.count(p.ppid) == 1 && trusted.insert({p.ppid, p.comm}).second;
      EXPECT_TRUE(known) << "left behind: pid " << p.pid << " (" << p.comm << ")";
    }
    EXPECT_FALSE(listener_.Contacted()) << "something reached the loopback listener";
    for (const std::string& path : CanaryPaths()) {
      EXPECT_FALSE(Exists(path)) << "file created outside the scratch directory: " << path;
      unlink(path.c_str());
    }
  }

  static std::set<pid_t> HelperPids() {
    std::set<pid_t> pids;
    for (const ProcessInfo& p : Descendants()) {
      if (p.comm == "ilf-sandbox" && p.ppid == getpid()) pids.insert(p.pid);
    }
    return pids;
  }

  // Places a hostile program may try to write: /tmp, $HOME and the test's working directory.
  static std::vector<std::string> CanaryPaths() {
    char cwd[4096];
    const char* home = getenv("HOME");
    return {"/tmp/ilf-canary", std::string(home ? home : "/root") + "/ilf-canary",
            std::string(getcwd(cwd, sizeof cwd) ? cwd : ".") + "/ilf-canary"};
  }

  // Python list literal of CanaryPaths(), for programs.
  static std::string CanaryList() {
    std::string list = "[";
    for (const std::string& path : CanaryPaths()) list += "'" + path + "', ";
    return list + "]";
  }

  Listener listener_;
  std::set<pid_t> helpers_;
};

}  // namespace ilf::sandbox::testing
