// Faults through the public API (sandbox/sandbox.h): a helper SIGKILLed in the middle of an
// execution. That job ends SANDBOX_ERROR (not retried: the program may have been what killed the
// helper, and running it again could repeat the damage or double its side effects; SANDBOX_ERROR
// never counts as a task failure, so the caller can rerun it). The pool replaces the helper, the
// job running on the other helper is not affected, and nothing is left behind.
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "sandbox/sandbox.h"
#include "src/core/error.h"
#include "tests/sandbox/host_facts.h"
#include "tests/support/test_data.h"

namespace ilf::sandbox::testing {
namespace {

std::set<pid_t> Helpers() {
  std::set<pid_t> pids;
  for (const ProcessInfo& p : Descendants()) {
    if (p.comm == "ilf-sandbox" && p.ppid == getpid()) pids.insert(p.pid);
  }
  return pids;
}

// CPU time (utime + stime, clock ticks) of a process, -1 if it is gone.
long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

// The helper whose process tree holds the busiest process: the one running the CPU-bound job.
pid_t BusyHelper(const std::set<pid_t>& helpers) {
  std::map<pid_t, pid_t> parent;
  for (const ProcessInfo& p : Descendants()) parent[p.pid] = p.ppid;
  pid_t busiest = 0;
  long most = -1;
  for (const auto& [pid, ppid] : parent) {
    if (helpers.count(pid)) continue;
    long ticks = CpuTicks(pid);
    if (ticks > most) most = ticks, busiest = pid;
  }
  for (pid_t p = busiest; p > 1 && parent.count(p); p = parent[p]) {
    if (helpers.count(p)) return p;
  }
  return 0;
}

ExecRequest Request(const std::string& program) {
  ExecRequest request;
  request.program = program;
  request.tests = {"assert f() == 1"};
  request.limits.wall_time_ms = 20000;
  request.limits.cpu_time_ms = 20000;
  return request;
}

TEST(SandboxFault, HelperKilledMidExecutionFailsOnlyThatJob) {
  BecomeSubreaper();  // a process the dead helper left would be re-parented to us and show up
  const std::set<pid_t> others = Helpers();
  ASSERT_TRUE(others.empty()) << "this test owns every helper of its process";
  SandboxOptions options;
  options.workers = 2;
  Sandbox sandbox(options);
  const std::set<pid_t> helpers = Helpers();
  ASSERT_EQ(helpers.size(), 2u);

  // The victim burns CPU for 4 s; its neighbour sleeps 3 s; both would PASS.
  auto victim = std::async(std::launch::async, [&] {
    return sandbox.Run(
        Request("import time\nend = time.time() + 4\nwhile time.time() < end:\n    pass\n"
                "def f():\n    return 1\n"));
  });
  auto neighbour = std::async(std::launch::async, [&] {
    return sandbox.Run(Request("import time\ntime.sleep(3)\ndef f():\n    return 1\n"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  pid_t busy = BusyHelper(helpers);
  ASSERT_NE(busy, 0) << "no helper is running the CPU-bound job";
  ASSERT_EQ(kill(busy, SIGKILL), 0);

  ExecResult killed = victim.get();
  EXPECT_EQ(killed.verdict, Verdict::kSandboxError) << killed.ToJson().dump(1);
  ExecResult survived = neighbour.get();
  EXPECT_EQ(survived.verdict, Verdict::kPass) << survived.ToJson().dump(1);

  // The pool goes on with a replacement: several jobs at once, all right.
  std::vector<ExecRequest> after(6, Request("def f():\n    return 1\n"));
  for (const ExecResult& r : sandbox.RunAll(after)) {
    EXPECT_EQ(r.verdict, Verdict::kPass) << r.ToJson().dump(1);
  }
  std::set<pid_t> now = Helpers();
  EXPECT_EQ(now.size(), 2u);
  EXPECT_EQ(now.count(busy), 0u) << "the killed helper is gone";
  // Nothing of the killed helper's tree survives it: besides the helpers, only their trusted
  // long-lived children (one evaluator and one fork server each) exist.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::set<std::pair<pid_t, std::string>> trusted;
  for (const ProcessInfo& p : Descendants()) {
    if (now.count(p.pid) == 1) continue;
    bool known = (p.comm == "ilf-evaluator" || p.comm == "ilf-forkserver") &&
                 now.count(p.ppid) == 1 && trusted.insert({p.ppid, p.comm}).second;
    EXPECT_TRUE(known) << "left behind: pid " << p.pid << " (" << p.comm << ", parent " << p.ppid
                       << ")";
  }
}

// Limits of INT64_MAX ms wrapped around (pool wait, helper deadline, RLIMIT_CPU): the execution
// ended at once as SANDBOX_ERROR or TIMEOUT. They saturate now: "no limit" in practice.
TEST(SandboxFault, HugeTimeLimitsSaturate) {
  SandboxOptions options;
  options.workers = 1;
  Sandbox sandbox(options);
  ExecRequest request = Request("import time\ntime.sleep(0.2)\ndef f():\n    return 1\n");
  request.limits.wall_time_ms = INT64_MAX;
  request.limits.cpu_time_ms = INT64_MAX;
  ExecResult r = sandbox.Run(request);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.ToJson().dump(1);
  EXPECT_GE(r.wall_time_ms, 200);
  request.limits.wall_time_ms = INT64_MAX - 1;  // the pool adds its slack to this one
  request.program = "def f():\n    return 2\n";
  EXPECT_EQ(sandbox.Run(request).verdict, Verdict::kFail);
}

// A helper whose hello frame is not what the protocol says is refused with a clear error
// (it was dereferenced as an object with a string "error").
TEST(SandboxFault, MalformedHelloIsRefused) {
  ilf::testing::ScratchDir dir;
  struct Case {
    const char* payload;
    const char* expected;  // part of the error
  } cases[] = {
      {"[1, 2]", "malformed hello"},
      {"not json", "malformed hello"},
      {R"({"error": 5})", "sandbox: 5"},
      {R"({"isolation": {"active": 3}})", "malformed hello"},
  };
  for (const Case& c : cases) {
    std::string helper = dir.Write(
        "helper.py", std::string("#!/usr/bin/python3\nimport struct, sys, time\n") +
                         "payload = " + nlohmann::json(c.payload).dump() + ".encode()\n" +
                         "sys.stdout.buffer.write(struct.pack('<I', len(payload)) + payload)\n"
                         "sys.stdout.flush()\nsys.stdin.read()\n");
    ASSERT_EQ(chmod(helper.c_str(), 0755), 0);
    setenv("ILF_SANDBOX_HELPER", helper.c_str(), 1);
    std::string error;
    try {
      SandboxOptions options;
      options.workers = 1;
      Sandbox sandbox(options);
    } catch (const Error& e) {
      error = e.what();
    }
    unsetenv("ILF_SANDBOX_HELPER");
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.payload << " gave: " << error;
  }
}

// When the helper can no longer watch an execution (poll fails), it kills the program and the
// evaluator at once instead of leaving them running unobserved. poll() fails with EINVAL when its
// descriptor count exceeds RLIMIT_NOFILE: the test lowers the helper's limit mid-execution.
TEST(SandboxFault, PollFailureKillsTheProgramAndTheEvaluator) {
  BecomeSubreaper();
  SandboxOptions options;
  options.workers = 1;
  Sandbox sandbox(options);
  const std::set<pid_t> helpers = Helpers();
  ASSERT_EQ(helpers.size(), 1u);
  const pid_t helper = *helpers.begin();
  ExecRequest request = Request(
      "import time\ntime.sleep(3.0)\nprint('wake the helper', flush=True)\ntime.sleep(30)\n"
      "def f():\n    return 1\n");
  request.limits.wall_time_ms = 60000;
  request.limits.cpu_time_ms = 60000;
  const auto started = std::chrono::steady_clock::now();
  auto running = std::async(std::launch::async, [&] { return sandbox.Run(request); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the helper is in poll()
  rlimit old_limit{};
  ASSERT_EQ(prlimit(helper, RLIMIT_NOFILE, nullptr, &old_limit), 0) << strerror(errno);
  rlimit low{3, old_limit.rlim_max};  // the soft limit only: it can be raised back
  ASSERT_EQ(prlimit(helper, RLIMIT_NOFILE, &low, nullptr), 0) << strerror(errno);
  ExecResult r = running.get();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.verdict, Verdict::kSandboxError) << r.ToJson().dump(1);
  EXPECT_NE(r.detail.find("poll"), std::string::npos) << r.ToJson().dump(1);
  EXPECT_LT(seconds, 15) << "the program was not killed: the helper waited for it";
  // Nothing but the fork server is left under the helper: the program and the evaluator died.
  for (const ProcessInfo& p : Descendants()) {
    if (p.pid == helper) continue;
    EXPECT_TRUE(p.comm == "ilf-forkserver" && p.ppid == helper)
        << "left running: pid " << p.pid << " (" << p.comm << ", parent " << p.ppid << ")";
  }
  ASSERT_EQ(prlimit(helper, RLIMIT_NOFILE, &old_limit, nullptr), 0);
  EXPECT_EQ(sandbox.Run(Request("def f():\n    return 1\n")).verdict, Verdict::kPass);
}

}  // namespace
}  // namespace ilf::sandbox::testing
