// Issue 16 items 3-8: what the untrusted program sends across the boundary can neither forge a
// verdict, nor choose SANDBOX_ERROR, nor make the trusted side use resources beyond its limits.
#include <gtest/gtest.h>

#include "tests/sandbox/hostile_fixture.h"

namespace ilf::sandbox::testing {
namespace {

ExecResult RunWith(const std::string& program, const std::vector<std::string>& tests,
                   const std::string& setup = "", int64_t memory_mib = 256,
                   int64_t file_size_mib = 16) {
  ExecRequest request;
  request.program = program;
  request.setup = setup;
  request.tests = tests;
  request.limits.wall_time_ms = 10000;
  request.limits.cpu_time_ms = 10000;
  request.limits.memory_mib = memory_mib;
  request.limits.file_size_mib = file_size_mib;
  return SandboxTest::sandbox().Run(request);
}

constexpr char kUnhashable[] = "class L(list):\n    def __hash__(self):\n        return 1\n";

// Item 3: values E cannot rebuild were SANDBOX_ERROR, which pass@k excludes.
TEST_F(HostileTest, UndecodableValuesAreTheProgramsFailure) {
  ExecResult in_call = RunWith(std::string(kUnhashable) + "def add(a, b):\n    return {L([1])}\n",
                               {"assert add(1, 2) == 3", "assert add(2, 2) == 4"});
  EXPECT_EQ(in_call.verdict, Verdict::kRuntimeError) << Describe(in_call);
  EXPECT_NE(in_call.detail.find("malformed or oversized"), std::string::npos) << in_call.detail;
  ExecResult as_key = RunWith(std::string(kUnhashable) + "def add(a, b):\n    return {L([1]): 2}\n",
                              {"assert add(1, 2) == 3"});
  EXPECT_EQ(as_key.verdict, Verdict::kRuntimeError) << Describe(as_key);
  ExecResult in_globals = RunWith(std::string(kUnhashable) +
                                      "POISON = frozenset([L([2])])\n"
                                      "def add(a, b):\n    return a + b\n",
                                  {"assert add(1, 2) == 3"});
  EXPECT_EQ(in_globals.verdict, Verdict::kRuntimeError) << Describe(in_globals);
}

// Item 4: one frame of 1 M references to one empty set is ~5 MB for U but ~220 MB for E once
// rebuilt as distinct sets; E decodes no more than the program's memory limit (here 128 MiB).
TEST_F(HostileTest, EvaluatorDecodesNoMoreThanTheProgramsMemoryLimit) {
  ExecResult r = RunWith("def add(a, b):\n    s = set()\n    return [s] * 1_000_000\n",
                         {"assert add(1, 2) == 3"}, "", 128);
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
  EXPECT_NE(r.detail.find("memory limit"), std::string::npos) << r.detail;
}

// Item 4: the scratch directory is bounded by the execution's file size limit in total, not
// only per file (it is memory the host loses while the program runs).
TEST_F(HostileTest, ScratchDirectoryIsBoundedInTotal) {
  ExecResult r = RunWith(
      "import os\nwritten = 0\n"
      "for i in range(32):\n"
      "    try:\n"
      "        with open('f%d' % i, 'wb') as f:\n"
      "            f.write(b'x' * (4 << 20))\n"
      "        written += 4 << 20\n"
      "    except OSError:\n"
      "        break\n"
      "print('wrote', written)\n"
      "def add(a, b):\n    return a + b\n",
      {"assert add(1, 2) == 3"}, "", 256, 8);
  EXPECT_EQ(r.verdict, Verdict::kOutputLimit) << Describe(r);
  size_t at = r.stdout_tail.find("wrote ");
  ASSERT_NE(at, std::string::npos) << r.stdout_tail;
  EXPECT_LE(std::stoll(r.stdout_tail.substr(at + 6)), 9ll << 20) << r.stdout_tail;
}

// Item 5: an exception message with a lone surrogate made E write a record the helper could not
// parse; the record was skipped and a setup that raised looked like a PASS with 0 tests.
TEST_F(HostileTest, LoneSurrogatesInMessagesLoseNoRecord) {
  std::string program = "def add(a, b):\n    raise ValueError('\\ud800 no')\n";
  ExecResult in_setup =
      RunWith(program, {}, "def check(f):\n    assert f(1, 2) == 3\ncheck(add)\n");
  EXPECT_EQ(in_setup.verdict, Verdict::kRuntimeError) << Describe(in_setup);
  EXPECT_NE(in_setup.detail.find("\\ud800 no"), std::string::npos) << in_setup.detail;
  ExecResult in_test = RunWith(program, {"assert add(1, 2) == 3"});
  EXPECT_EQ(in_test.verdict, Verdict::kRuntimeError) << Describe(in_test);
  EXPECT_EQ(in_test.tests[0].status, TestStatus::kError);
  EXPECT_EQ(in_test.tests[0].message, "\\ud800 no");
}

// Item 6: tests that use a module the program imported get the real module.
TEST_F(HostileTest, ModuleNamesCannotBeShadowed) {
  const std::vector<std::string> tests = {"assert math.isclose(area(1), 3.14159, rel_tol=1e-3)"};
  for (const char* fake :
       {"import types\nmath = types.SimpleNamespace(isclose=lambda *a, **k: True)\n",
        "import types\nmath = types.ModuleType('fakemath')\n"
        "math.isclose = lambda *a, **k: True\n",
        "import sys, types\nfake = types.ModuleType('math')\n"
        "fake.isclose = lambda *a, **k: True\nsys.modules['math'] = fake\n"
        "import math\n",
        "class math:\n    isclose = staticmethod(lambda *a, **k: True)\n"}) {
    ExecResult r = RunWith(std::string(fake) + "def area(r):\n    return 0\n", tests);
    EXPECT_EQ(r.verdict, Verdict::kFail) << fake << Describe(r);
  }
  ExecResult honest = RunWith("import math\ndef area(r):\n    return math.pi * r * r\n", tests);
  EXPECT_EQ(honest.verdict, Verdict::kPass) << Describe(honest);
}

// Item 7: an OrderedDict crossed as a plain dict in storage order (move_to_end does not change
// it), so a wrong order passed.
TEST_F(HostileTest, OrderedDictKeepsItsOrder) {
  std::string program =
      "from collections import OrderedDict\n"
      "def f():\n    d = OrderedDict([('a', 1), ('b', 2)])\n    d.move_to_end('a')\n"
      "    return d\n";
  ExecResult wrong =
      RunWith(program,
              {"assert f() == OrderedDict([('a', 1), ('b', 2)])", "assert list(f()) == ['a', 'b']"},
              "from collections import OrderedDict\n");
  EXPECT_EQ(wrong.verdict, Verdict::kFail) << Describe(wrong);
  EXPECT_EQ(wrong.tests[0].status, TestStatus::kFailed);
  EXPECT_EQ(wrong.tests[1].status, TestStatus::kFailed);
  ExecResult right =
      RunWith(program,
              {"assert f() == OrderedDict([('b', 2), ('a', 1)])", "assert list(f()) == ['b', 'a']",
               "assert f() == {'a': 1, 'b': 2}", "assert type(f()) is OrderedDict"},
              "from collections import OrderedDict\n");
  EXPECT_EQ(right.verdict, Verdict::kPass) << Describe(right);
}

// Item 8: limit verdicts come from what the helper observed, not from an exception's name.
TEST_F(HostileTest, FakeMemoryErrorIsNotAMemoryLimit) {
  // Also under AddressSanitizer: the rule counts U's growth over its start (classify.h).
  ExecResult r =
      RunWith("def add(a, b):\n    raise MemoryError('fake')\n", {"assert add(1, 2) == 3"});
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
  ExecResult top = RunWith("raise MemoryError('fake')\ndef add(a, b):\n    return 0\n",
                           {"assert add(1, 2) == 3"});
  EXPECT_EQ(top.verdict, Verdict::kRuntimeError) << Describe(top);
}

}  // namespace
}  // namespace ilf::sandbox::testing
