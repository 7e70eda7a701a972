// Issue 16 item 1: the untrusted process's memory holds nothing of any request but its own
// program: not its tests, not its setup, not an earlier request's program, tests or output.
#include <gtest/gtest.h>

#include "tests/sandbox/hostile_fixture.h"
#include "tests/sandbox/memory_scan.h"

namespace ilf::sandbox::testing {
namespace {

// Canaries are written here as "QZX" + name + "-7731"; programs that look for them hold the two
// halves apart (memory_scan.h), so only a copy made by someone else is ever found.
TEST_F(HostileTest, UntrustedMemoryHoldsNoTestsAndNoEarlierRequest) {
#ifdef __SANITIZE_ADDRESS__
  // Under AddressSanitizer the helper's (and so U's) readable memory includes ASan's shadow and
  // allocator regions, hundreds of MiB; scanning it exceeds the 30 s limit. The LibTorch build
  // (no sanitizer) runs this test.
  GTEST_SKIP() << "memory scan skipped under AddressSanitizer (shadow memory is too large to scan)";
#endif
  ExecRequest earlier;
  earlier.program =
      "# QZXPROGA-7731 (a comment of an earlier sample)\n"
      "print('QZX' + 'OUTA-7731')\n"
      "def add(a, b):\n    return a + b\n";
  earlier.setup = "SETUP_MARK = 'QZXSETUPA-7731'\n";
  earlier.tests = {"assert add(1, 2) == 3  # QZXTESTA-7731"};
  earlier.limits.wall_time_ms = 5000;
  // Both helpers of the pool serve it (a sequential caller gets the most recently used helper,
  // so twice in a row could be one helper; four runs with a concurrent pair cover both).
  std::vector<ExecRequest> batch(2, earlier);
  for (int round = 0; round < 2; ++round) {
    for (const ExecResult& r : sandbox().RunAll(batch)) {
      ASSERT_EQ(r.verdict, Verdict::kPass) << Describe(r);
      ASSERT_NE(r.stdout_tail.find("QZXOUTA-7731"), std::string::npos);
    }
  }
  ExecRequest scan;
  scan.program =
      std::string(kMemoryScanner) +
      "OWN = 'QZX' + 'SELF-7731'  # made at run time: the scanner must find it\n"
      "def scan():\n"
      "    return memory_contains([(b'QZXSE', b'LF-7731'), (b'QZXTE', b'STB-7731'),\n"
      "                            (b'QZXEX', b'PECTB-7731'), (b'QZXSE', b'TUPB-7731'),\n"
      "                            (b'QZXPR', b'OGA-7731'), (b'QZXTE', b'STA-7731'),\n"
      "                            (b'QZXSE', b'TUPA-7731'), (b'QZXOU', b'TA-7731')])\n";
  scan.setup = "SETUP_MARK = 'QZXSETUPB-7731'\nFOUND = scan()\n";
  scan.tests = {"assert FOUND[0], 'the scanner did not find its own canary'",
                "assert not FOUND[1], \"this test's text\"  # QZXTESTB-7731",
                "assert FOUND[2] != 'QZXEXPECTB-7731', \"this test's expected value\"",
                "assert not FOUND[2], 'an expected value'",
                "assert not FOUND[3], 'this setup'",
                "assert not FOUND[4], 'an earlier program'",
                "assert not FOUND[5], 'an earlier test'",
                "assert not FOUND[6], 'an earlier setup'",
                "assert not FOUND[7], 'an earlier output'"};
  scan.limits.wall_time_ms = 30000;
  scan.limits.cpu_time_ms = 30000;
  for (int i = 0; i < 2; ++i) {
    ExecResult r = sandbox().Run(scan);
    EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
  }
}

}  // namespace
}  // namespace ilf::sandbox::testing
