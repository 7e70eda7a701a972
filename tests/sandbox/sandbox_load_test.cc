// The sandbox under load, through its public API only (sandbox/sandbox.h): 10,000 executions on 2
// workers mixing the MBPP reference programs with hostile neighbours. Every good program keeps its
// PASS, every hostile one gets its verdict, and afterwards nothing is left behind (processes,
// descriptors, scratch directories) and this process's memory has not grown after warm-up.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"
#include "src/code/names.h"
#include "src/core/jsonl.h"
#include "tests/sandbox/host_facts.h"
#include "tests/support/test_data.h"

namespace ilf::sandbox::testing {
namespace {

// Resident memory of a process in KiB (VmRSS), 0 if it is gone.
int64_t RssKib(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string key;
  int64_t value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 12, '\n');
  }
  return 0;
}

size_t OpenDescriptors() {
  size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    n += !entry.path().empty();
  return n;
}

// Everything under /tmp whose name starts with "ilf-sandbox-" (the helpers' scratch bases), with
// how many entries each holds now.
std::set<std::string> ScratchBases() {
  std::set<std::string> bases;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("ilf-sandbox-", 0) == 0) bases.insert(entry.path().string());
  }
  return bases;
}

size_t EntriesUnder(const std::set<std::string>& dirs) {
  size_t n = 0;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      ++n;
    }
  }
  return n;
}

std::vector<ExecRequest> MbppRequests(const std::string& path) {
  std::vector<ExecRequest> requests;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    ExecRequest request;
    request.program = record.String("code");
    request.setup = record.String("test_setup_code");
    for (const Json& test : record.Field("test_list"))
      request.tests.push_back(test.get<std::string>());
    request.entry_point = code::FindEntryPoint(request.program, request.tests.front()).value_or("");
    // Generous: a loaded 2-core machine (other builds, the hostile neighbours) slows the slowest
    // reference programs (task 123 sums amicable numbers) several times.
    request.limits.wall_time_ms = 60000;
    request.limits.cpu_time_ms = 30000;
    requests.push_back(std::move(request));
  }
  return requests;
}

struct Hostile {
  const char* what;
  const char* program;
  Verdict expected;
  int64_t wall_time_ms;  // its limit (also CPU): short where the verdict is the time limit
};

// The neighbours: each attacks one resource, with tight limits so the load test stays short.
const std::vector<Hostile>& Hostiles() {
  static const std::vector<Hostile> hostiles = {
      {"CPU spinner", "def f(x):\n    while True:\n        pass\n", Verdict::kTimeout, 300},
      {"sleeps forever", "import time\ndef f(x):\n    time.sleep(3600)\n", Verdict::kTimeout, 300},
      {"memory hog to the limit",
       "def f(x):\n    hog = []\n    while True:\n        hog.append(bytearray(8 << 20))\n",
       Verdict::kMemoryLimit, 20000},
      {"output flood",
       "import sys\ndef f(x):\n    while True:\n        sys.stdout.write('x' * 65536)\n",
       Verdict::kOutputLimit, 20000},
      {"write flood",
       "def f(x):\n    with open('big', 'wb') as out:\n        while True:\n"
       "            out.write(b'x' * (1 << 20))\n",
       Verdict::kOutputLimit, 20000},
      {"fork attempt", "import os\nos.fork()\ndef f(x):\n    return x\n", Verdict::kBlocked, 20000},
  };
  return hostiles;
}

ExecRequest HostileRequest(const Hostile& hostile) {
  ExecRequest request;
  request.program = hostile.program;
  request.tests = {"assert f(2) == 4"};
  request.limits.wall_time_ms = hostile.wall_time_ms;
  request.limits.cpu_time_ms = hostile.wall_time_ms;
  request.limits.memory_mib = 128;
  request.limits.output_bytes = 64 << 10;
  request.limits.file_size_mib = 1;
  return request;
}

TEST(SandboxLoad, TenThousandMixedExecutionsOnTwoWorkers) {
  ILF_DATA_OR_SKIP(path, "mbpp/mbpp.jsonl");
  const std::vector<ExecRequest> good = MbppRequests(path);
  ASSERT_EQ(good.size(), 974u);
  BecomeSubreaper();  // anything a program leaves running is re-parented to us and shows up
  const std::set<std::string> bases_before = ScratchBases();
  const size_t fds_before = OpenDescriptors();
  constexpr size_t kTotal = 10000, kBatch = 500, kWarmUp = 1000;
  {
    SandboxOptions options;
    options.workers = 2;
    Sandbox sandbox(options);
    std::set<pid_t> helpers;
    for (const ProcessInfo& p : Descendants()) {
      if (p.comm == "ilf-sandbox" && p.ppid == getpid()) helpers.insert(p.pid);
    }
    ASSERT_EQ(helpers.size(), 2u);
    const size_t fds_running = OpenDescriptors();
    int64_t rss_after_warm_up = 0;
    size_t scratch_after_warm_up = 0;
    std::set<std::string> bases;
    size_t next_good = 0, next_hostile = 0, hostile_count = 0;
    for (size_t start = 0; start < kTotal; start += kBatch) {
      // One hostile program in every ten, each kind in turn, between good ones.
      std::vector<ExecRequest> requests;
      std::vector<const Hostile*> kinds;
      for (size_t i = start; i < start + kBatch; ++i) {
        if (i % 10 == 5) {
          const Hostile& hostile = Hostiles()[next_hostile++ % Hostiles().size()];
          requests.push_back(HostileRequest(hostile));
          kinds.push_back(&hostile);
        } else {
          requests.push_back(good[next_good++ % good.size()]);
          kinds.push_back(nullptr);
        }
      }
      std::vector<ExecResult> results = sandbox.RunAll(requests);
      for (size_t i = 0; i < results.size(); ++i) {
        Verdict expected = kinds[i] ? kinds[i]->expected : Verdict::kPass;
        EXPECT_EQ(results[i].verdict, expected)
            << "execution " << start + i << " (" << (kinds[i] ? kinds[i]->what : "MBPP reference")
            << "): " << results[i].ToJson().dump(1);
        hostile_count += kinds[i] != nullptr;
      }
      if (::testing::Test::HasFailure()) break;  // one report is enough
      if (start + kBatch == kWarmUp) {
        rss_after_warm_up = RssKib("self");
        bases = ScratchBases();
        for (const std::string& base : bases_before) bases.erase(base);
        scratch_after_warm_up = EntriesUnder(bases);
      }
    }
    ASSERT_FALSE(::testing::Test::HasFailure());
    EXPECT_EQ(hostile_count, kTotal / 10);
    // Memory flat: growth after warm-up would be a per-execution leak (50 bytes each would show
    // as 450 KB; the slack allows for allocator noise).
    int64_t rss_end = RssKib("self");
    EXPECT_LT(rss_end - rss_after_warm_up, 8 << 10)
        << "this process grew from " << rss_after_warm_up << " KiB to " << rss_end << " KiB";
    std::printf("load: %zu executions; RSS after warm-up %lld KiB, at the end %lld KiB\n", kTotal,
                static_cast<long long>(rss_after_warm_up), static_cast<long long>(rss_end));
    EXPECT_EQ(OpenDescriptors(), fds_running) << "descriptors leaked while running";
    EXPECT_EQ(EntriesUnder(bases), scratch_after_warm_up) << "scratch files accumulate";
    // The same two helpers: none crashed or was replaced under this load.
    std::set<pid_t> helpers_now;
    for (const ProcessInfo& p : Descendants()) {
      if (p.comm == "ilf-sandbox" && p.ppid == getpid()) helpers_now.insert(p.pid);
    }
    EXPECT_EQ(helpers_now, helpers);
  }
  // After shutdown: no process, descriptor or scratch directory left.
  for (const ProcessInfo& p : Descendants())
    ADD_FAILURE() << "left behind: " << p.pid << " " << p.comm;
  EXPECT_EQ(OpenDescriptors(), fds_before);
  EXPECT_EQ(ScratchBases(), bases_before);
}

}  // namespace
}  // namespace ilf::sandbox::testing
