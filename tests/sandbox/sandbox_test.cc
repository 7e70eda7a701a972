// Honest programs: what a correct, a wrong, a crashing and an invalid program get.
#include "sandbox/sandbox.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include <cerrno>
#include <filesystem>
#include <set>
#include <thread>

#include "src/core/error.h"
#include "tests/sandbox/host_facts.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace ilf::sandbox::testing {
namespace {

TEST_F(SandboxTest, CorrectProgramPassesEveryTest) {
  ExecResult r = Run(
      "def add(a, b):\n    return a + b\n",
      {"assert add(1, 2) == 3", "assert add('a', 'b') == 'ab'", "assert add([1], [2]) == [1, 2]"});
  ASSERT_EQ(r.verdict, Verdict::kPass) << Describe(r);
  ASSERT_EQ(r.tests.size(), 3u);
  for (const TestOutcome& t : r.tests) EXPECT_EQ(t.status, TestStatus::kPassed);
  EXPECT_GT(r.wall_time_ms, 0);
}

TEST_F(SandboxTest, WrongProgramFailsNamingTheAssert) {
  ExecResult r = Run("def add(a, b):\n    return a - b\n",
                     {"assert add(2, 0) == 2", "assert add(1, 2) == 3", "assert add(0, 0) == 0"});
  ASSERT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  EXPECT_EQ(r.tests[0].status, TestStatus::kPassed);
  EXPECT_EQ(r.tests[1].status, TestStatus::kFailed);
  EXPECT_EQ(r.tests[1].exception_type, "AssertionError");
  EXPECT_EQ(r.tests[1].message, "assert add(1, 2) == 3");
  EXPECT_EQ(r.tests[2].status, TestStatus::kPassed);
  EXPECT_NE(r.detail.find("test 1"), std::string::npos) << r.detail;
}

TEST_F(SandboxTest, AssertMessageIsReported) {
  ExecResult r = Run("def f():\n    return 1\n", {"assert f() == 2, 'f must be 2'"});
  ASSERT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.tests[0].message, "f must be 2");
}

TEST_F(SandboxTest, ExceptionInTheProgramIsARuntimeError) {
  ExecResult r = Run("def f(x):\n    return {}[x]\n", {"assert f(1) == 2"});
  ASSERT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
  EXPECT_EQ(r.tests[0].status, TestStatus::kError);
  EXPECT_EQ(r.tests[0].exception_type, "KeyError");
}

TEST_F(SandboxTest, TopLevelExceptionIsARuntimeError) {
  ExecResult r = Run("x = 1 / 0\n", {"assert True"});
  ASSERT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
  EXPECT_EQ(r.tests[0].status, TestStatus::kNotRun);
  EXPECT_NE(r.detail.find("ZeroDivisionError"), std::string::npos) << r.detail;
}

TEST_F(SandboxTest, SyntaxErrorIsACompileError) {
  ExecResult r = Run("def f(:\n    return 1\n", {"assert f() == 1"});
  ASSERT_EQ(r.verdict, Verdict::kCompileError) << Describe(r);
  EXPECT_NE(r.detail.find("SyntaxError"), std::string::npos) << r.detail;
}

TEST_F(SandboxTest, TestsCatchRelayedBuiltinExceptions) {
  ExecResult r =
      Run("def f(x):\n    if x < 0:\n        raise ValueError('negative')\n"
          "    return x\n",
          {"try:\n    f(-1)\nexcept ValueError as e:\n    assert str(e) == 'negative'\n"
           "else:\n    assert False"});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
}

TEST_F(SandboxTest, ClassBasedSetupLikeMbpp367) {
  // MBPP 367's setup builds a tree with the program's Node class.
  std::string program =
      "class Node:\n    def __init__(self, data):\n        self.data = data\n"
      "        self.left = None\n        self.right = None\n"
      "def get_height(root):\n    if root is None:\n        return 0\n"
      "    return max(get_height(root.left), get_height(root.right)) + 1\n"
      "def is_tree_balanced(root):\n    if root is None:\n        return True\n"
      "    lh = get_height(root.left)\n    rh = get_height(root.right)\n"
      "    return abs(lh - rh) <= 1 and is_tree_balanced(root.left) and "
      "is_tree_balanced(root.right)\n";
  std::string setup =
      "root = Node(1)\nroot.left = Node(2)\nroot.right = Node(3)\nroot.left.left = Node(4)\n"
      "root.left.left.left = Node(8)\nroot1 = Node(1)\nroot1.left = Node(2)\n";
  ExecResult r = Run(program,
                     {"assert is_tree_balanced(root) == False",
                      "assert is_tree_balanced(root1) == True", "assert root.left.data == 2"},
                     setup);
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
}

TEST_F(SandboxTest, GeneratorComparedThroughList) {
  ExecResult r =
      Run("def evens(n):\n    for i in range(n):\n        if i % 2 == 0:\n"
          "            yield i\n",
          {"assert list(evens(7)) == [0, 2, 4, 6]", "assert 4 in list(evens(5))"});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
}

TEST_F(SandboxTest, InPlaceMutationIsVisibleToTheTests) {
  ExecResult r = Run("def bump(xs, d):\n    xs.append(1)\n    d['k'] = 2\n",
                     {"a = [0]\nb = {}\nbump(a, b)\nassert a == [0, 1] and b == {'k': 2}"});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
}

TEST_F(SandboxTest, PlainValuesRoundTripExactly) {
  ExecResult r =
      Run("import math\ndef values():\n"
          "    return [None, True, 2**100, -7, 0.1, float('inf'), 1+2j, 'é\\u2603', b'\\x00\\xff',"
          " (1, (2,)), {1: {'a': [1]}}, {3}, frozenset({4})]\n"
          "def nan():\n    return float('nan')\n",
          {"assert values() == [None, True, 2**100, -7, 0.1, float('inf'), 1+2j, 'é\\u2603', "
           "b'\\x00\\xff', (1, (2,)), {1: {'a': [1]}}, {3}, frozenset({4})]",
           "assert math.isnan(nan())", "assert type(values()[4]) is float"});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
}

TEST_F(SandboxTest, StdlibValueTypesCompareByValue) {
  // Sent as their fields and rebuilt by E, so they compare as in one interpreter (a RemoteRef
  // would compare by identity and fail a correct program), in both directions.
  const std::string setup =
      "from fractions import Fraction\nfrom decimal import Decimal\nfrom collections import "
      "deque\nfrom datetime import date, datetime, time, timedelta, timezone\n";
  ExecResult r = Run(
      setup +
          "def values():\n"
          "    return [Fraction(2, 6), Decimal('1.10'), deque([1, 2], maxlen=3),\n"
          "            date(2024, 2, 29), datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc),\n"
          "            time(1, 2, tzinfo=timezone(timedelta(hours=-5))), timedelta(days=1)]\n"
          "def next_day(d):\n    return d + timedelta(days=1)\n"
          "def push(q, x):\n    q.append(x)\n",
      {"assert values() == [Fraction(1, 3), Decimal('1.1'), deque([1, 2], maxlen=3), "
       "date(2024, 2, 29), datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc), "
       "time(6, 2, tzinfo=timezone.utc), timedelta(hours=24)]",
       "assert next_day(date(2024, 2, 28)) == date(2024, 2, 29)",
       "q = deque([1])\npush(q, 2)\nassert q == deque([1, 2])",
       "assert values()[2].maxlen == 3 and str(values()[1]) == '1.10'"},
      setup);
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
  // And a wrong value still fails.
  ExecResult wrong =
      Run(setup + "def f():\n    return Fraction(1, 3)\n", {"assert f() == Fraction(1, 2)"}, setup);
  EXPECT_EQ(wrong.verdict, Verdict::kFail) << Describe(wrong);
}

TEST_F(SandboxTest, ProgramValueClassesCompareAsInOneInterpreter) {
  // Dataclasses (nested, in lists and dicts), NamedTuple, namedtuple, Enum, IntEnum and Counter
  // cross by value (README "Sandbox": the value-class rule), so the test's `Point(1, 2)` (a call
  // into the program) equals the program's result, fields read, methods still reach the program.
  ExecResult r = Run(
      "import collections, dataclasses, enum, typing\n"
      "@dataclasses.dataclass\nclass Point:\n    x: int\n    y: int\n"
      "    def norm1(self):\n        return abs(self.x) + abs(self.y)\n"
      "@dataclasses.dataclass(frozen=True)\nclass Line:\n    a: Point\n    b: Point\n"
      "class Pair(typing.NamedTuple):\n    x: int\n    y: int\n"
      "Span = collections.namedtuple('Span', 'start end')\n"
      "class Color(enum.Enum):\n    RED = 1\n    BLUE = 2\n"
      "class Level(enum.IntEnum):\n    LOW = 1\n    HIGH = 2\n"
      "def make_point(x, y):\n    return Point(x, y)\n"
      "def make_line():\n    return Line(Point(0, 0), Point(1, 2))\n"
      "def points():\n    return [Point(1, 2), {'k': Point(3, 4)}]\n"
      "def pair():\n    return Pair(1, 2)\n"
      "def span():\n    return Span(3, 7)\n"
      "def color(n):\n    return Color(n)\n"
      "def level():\n    return Level.HIGH\n"
      "def count(text):\n    return collections.Counter(text)\n",
      {"assert make_point(1, 2) == Point(1, 2)", "assert make_point(1, 2) != Point(2, 1)",
       "assert make_point(1, 2).x == 1 and make_point(-1, 2).norm1() == 3",
       "assert make_line() == Line(Point(0, 0), Point(1, 2))",
       "assert points() == [Point(1, 2), {'k': Point(3, 4)}]",
       "assert pair() == Pair(1, 2) and pair() == (1, 2) and pair().y == 2",
       "assert span().end == 7 and span() == Span(3, 7)",
       "assert color(1) == Color.RED and color(2) != Color.RED and color(1).name == 'RED'",
       "assert level() == Level.HIGH and level() == 2",
       "assert count('abca').most_common(1) == [('a', 2)] and count('ab') == {'a': 1, 'b': 1}"});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
  // A wrong field value fails, and a dataclass never equals its fields as a tuple.
  ExecResult wrong =
      Run("import dataclasses\n@dataclasses.dataclass\nclass Point:\n    x: int\n    y: int\n"
          "def make_point(x, y):\n    return Point(y, x)\n",
          {"assert make_point(1, 2) == Point(1, 2)", "assert make_point(1, 1) == (1, 1)"});
  EXPECT_EQ(wrong.verdict, Verdict::kFail) << Describe(wrong);
  EXPECT_EQ(wrong.tests[0].status, TestStatus::kFailed);
  EXPECT_EQ(wrong.tests[1].status, TestStatus::kFailed);
}

TEST_F(SandboxTest, NumpyValuesCompareByValue) {
  ExecResult probe = Run("import numpy\n", {});
  if (probe.verdict != Verdict::kPass) GTEST_SKIP() << "numpy is not importable: " << probe.detail;
  ExecResult r =
      Run("import numpy as np\n"
          "def total(xs):\n    return np.sum(np.array(xs))\n"
          "def grid():\n    return np.arange(6).reshape(2, 3)\n"
          "def double(a):\n    return a * 2\n",
          {"assert total([1, 2, 3]) == 6", "assert type(total([1])) is int",
           "assert (grid() == np.array([[0, 1, 2], [3, 4, 5]])).all()",
           "assert grid().shape == (2, 3) and grid().tolist() == [[0, 1, 2], [3, 4, 5]]",
           "assert np.array_equal(double(np.array([1.5, 2.0])), np.array([3.0, 4.0]))"});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
}

TEST_F(SandboxTest, ProgramOutputIsCapturedButIrrelevant) {
  ExecResult r =
      Run("import sys\nprint('hello out')\nprint('hello err', file=sys.stderr)\n"
          "def f():\n    return 1\n",
          {"assert f() == 1"});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
  EXPECT_NE(r.stdout_tail.find("hello out"), std::string::npos);
  EXPECT_NE(r.stderr_tail.find("hello err"), std::string::npos);
}

TEST_F(SandboxTest, NoTestsMeansTheProgramRan) {
  EXPECT_EQ(Run("x = 1\n", {}).verdict, Verdict::kPass);
  EXPECT_EQ(Run("x = 1 / 0\n", {}).verdict, Verdict::kRuntimeError);
}

TEST_F(SandboxTest, ZygoteWarmUpLeavesNothingBehind) {
  // The zygote runs a sample program through U's code path before it forks anyone
  // (harness.py, _warm_up); none of its functions or classes may reach a child.
  ExecResult result =
      Run("import gc\n"
          "gc.unfreeze()\n"
          "found = sorted({getattr(o, '__qualname__', '?') for o in gc.get_objects()\n"
          "                if type(o).__name__ == 'function'\n"
          "                and o.__code__.co_filename == '<program>'\n"
          "                and not o.__name__.startswith('<')  # this program's own comprehension\n"
          "                or type(o) is type and o.__module__ == '__main__'})\n"
          "def leftovers():\n"
          "    return found\n",
          {"assert leftovers() == []"});
  EXPECT_EQ(result.verdict, Verdict::kPass) << Describe(result);
}

TEST_F(SandboxTest, IsolationReportListsTheLayers) {
  const IsolationReport& report = sandbox().isolation();
  auto has = [&](const std::string& layer) {
    return std::find(report.active.begin(), report.active.end(), layer) != report.active.end();
  };
  EXPECT_TRUE(has("seccomp"));
  EXPECT_TRUE(has("net-ns"));
  EXPECT_TRUE(has("rlimits"));
  EXPECT_FALSE(report.weaker);
}

TEST_F(SandboxTest, RunAllKeepsRequestOrder) {
  std::vector<ExecRequest> requests;
  for (int i = 0; i < 6; ++i) {
    ExecRequest request;
    request.program = "def f():\n    return " + std::to_string(i) + "\n";
    request.tests = {"assert f() == 3"};
    requests.push_back(request);
  }
  size_t done = 0;
  std::vector<ExecResult> results = sandbox().RunAll(requests, [&](size_t) { ++done; });
  EXPECT_EQ(done, 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(results[i].verdict, i == 3 ? Verdict::kPass : Verdict::kFail) << i;
  }
}

ExecRequest PassingRequest() {
  ExecRequest request;
  request.program = "def f():\n    return 1\n";
  request.tests = {"assert f() == 1"};
  return request;
}

// /tmp/ilf-sandbox-* directories on the host (helpers without a mount namespace make them).
size_t SandboxDirsInTmp() {
  size_t count = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
    count += entry.path().filename().string().rfind("ilf-sandbox-", 0) == 0;
  }
  return count;
}

std::set<pid_t> Helpers() {
  std::set<pid_t> pids;
  for (const ProcessInfo& p : Descendants()) {
    if (p.comm == "ilf-sandbox" && p.ppid == getpid()) pids.insert(p.pid);  // not a fresh fork
  }
  return pids;
}

TEST(SandboxPoolTest, ShutdownReapsEveryHelper) {
  // Helpers close their pipe a moment before they are gone; a pool that then only polled for
  // their exit left zombies (and their CPU time uncounted). Several rounds make that race show.
  for (int round = 0; round < 3; ++round) {
    const std::set<pid_t> others = Helpers();
    std::set<pid_t> ours;
    {
      SandboxOptions options;
      options.workers = 2;
      Sandbox sandbox(options);
      ASSERT_EQ(sandbox.Run(PassingRequest()).verdict, Verdict::kPass);
      for (pid_t pid : Helpers()) {
        if (others.count(pid) == 0) ours.insert(pid);
      }
      ASSERT_EQ(ours.size(), 2u);
    }
    for (pid_t pid : ours) {
      int status = 0;
      errno = 0;
      EXPECT_EQ(waitpid(pid, &status, WNOHANG), -1) << "helper " << pid << " was not reaped";
      EXPECT_EQ(errno, ECHILD) << "helper " << pid;
    }
  }
}

TEST(SandboxPoolTest, MissingEssentialLayerIsRefusedUnlessAllowed) {
  // As on a kernel without Landlock: a clear refusal naming the layer and the way out...
  SandboxOptions options;
  options.workers = 1;
  options.assume_missing = {"landlock"};
  try {
    Sandbox refused(options);
    ADD_FAILURE() << "a sandbox without Landlock started silently";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("landlock"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--allow-weaker-sandbox"), std::string::npos) << e.what();
  }
  // ...and with the explicit flag, a run that records what it lacked.
  options.allow_weaker = true;
  Sandbox weaker(options);
  const IsolationReport& report = weaker.isolation();
  EXPECT_TRUE(report.weaker);
  ASSERT_FALSE(report.missing.empty());
  EXPECT_NE(report.missing.back().find("landlock"), std::string::npos);
  for (const std::string& layer : report.active)
    EXPECT_EQ(layer.find("landlock"), std::string::npos) << layer;
  EXPECT_EQ(weaker.Run(PassingRequest()).verdict, Verdict::kPass);
}

TEST(SandboxPoolTest, HelperCrashIsASandboxErrorAndThePoolRecovers) {
  auto helpers = Helpers;
  const std::set<pid_t> others = helpers();  // other tests' sandbox, if any
  SandboxOptions options;
  options.workers = 1;
  const size_t dirs_before = SandboxDirsInTmp();
  Sandbox sandbox(options);
  const ExecRequest request = PassingRequest();
  ASSERT_EQ(sandbox.Run(request).verdict, Verdict::kPass);
  std::set<pid_t> before;
  for (pid_t pid : helpers()) {
    if (others.count(pid) == 0) before.insert(pid), kill(pid, SIGKILL);
  }
  ASSERT_EQ(before.size(), 1u);
  usleep(100000);  // the killed helper's namespaces and mounts are gone
  EXPECT_EQ(SandboxDirsInTmp(), dirs_before) << "a killed helper left its directory in /tmp";
  ExecResult crashed = sandbox.Run(request);
  EXPECT_EQ(crashed.verdict, Verdict::kSandboxError) << Describe(crashed);
  EXPECT_EQ(sandbox.Run(request).verdict, Verdict::kPass);
  std::set<pid_t> after = helpers();
  EXPECT_EQ(after.size(), others.size() + 1) << "one new helper replaces the dead one";
  for (pid_t pid : before) EXPECT_EQ(after.count(pid), 0u);
}

// Issue 16 item 9: a helper restarted from a RunAll worker thread got the parent-death signal
// when that thread exited, so every later execution found it dead (SANDBOX_ERROR).
TEST(SandboxPoolTest, HelperRestartedByAWorkerThreadOutlivesIt) {
  const std::set<pid_t> others = Helpers();
  SandboxOptions options;
  options.workers = 1;
  Sandbox sandbox(options);
  const ExecRequest request = PassingRequest();
  for (pid_t pid : Helpers()) {
    if (others.count(pid) == 0) kill(pid, SIGKILL);
  }
  usleep(50000);
  // The worker thread of RunAll finds the helper dead, restarts it, and exits.
  EXPECT_EQ(sandbox.RunAll({request})[0].verdict, Verdict::kSandboxError);
  usleep(200000);
  for (int i = 0; i < 3; ++i) {
    ExecResult r = sandbox.Run(request);
    EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
  }
}

void NoOp(int) {}

// Issue 16 item 9: a signal interrupting the pool's poll() was taken for a dead helper.
TEST(SandboxPoolTest, SignalsDuringAnExecutionAreNotAHelperDeath) {
  struct sigaction action {
  }, old{};
  action.sa_handler = NoOp;
  sigemptyset(&action.sa_mask);
  sigaction(SIGUSR1, &action, &old);
  SandboxOptions options;
  options.workers = 1;
  Sandbox sandbox(options);
  ExecRequest request;
  request.program = "import time\ndef f():\n    time.sleep(0.6)\n    return 1\n";
  request.tests = {"assert f() == 1"};
  pthread_t runner = pthread_self();
  std::thread signaller([runner] {
    for (int i = 0; i < 5; ++i) {
      usleep(100000);
      pthread_kill(runner, SIGUSR1);
    }
  });
  ExecResult r = sandbox.Run(request);
  signaller.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kPass) << Describe(r);
}

}  // namespace
}  // namespace ilf::sandbox::testing

namespace ilf::sandbox::testing {
namespace {

// Issue 13 item 1: after the asserts held, the program ends as CPython ends a script (non-daemon
// threads joined, atexit handlers run); one that would never end is TIMEOUT, not PASS.
TEST_F(SandboxTest, ProgramThatNeverEndsAfterTheTestsIsATimeout) {
  const std::vector<std::string> tests = {"assert add(1, 2) == 3"};
  const std::string add = "def add(a, b):\n    return a + b\n";
  ExecResult thread =
      Run("import threading, time\n"
          "threading.Thread(target=lambda: time.sleep(1e9)).start()\n" +
              add,
          tests, "", 1500);
  EXPECT_EQ(thread.verdict, Verdict::kTimeout) << Describe(thread);
  ExecResult spinning =
      Run("import threading\n"
          "def spin():\n    while True:\n        pass\n"
          "threading.Thread(target=spin).start()\n" +
              add,
          tests, "", 1500);
  EXPECT_EQ(spinning.verdict, Verdict::kTimeout) << Describe(spinning);
  EXPECT_GT(spinning.cpu_time_ms, 200) << "the spinning thread's CPU is counted";
  ExecResult waiting_atexit =
      Run("import atexit, time\natexit.register(time.sleep, 1e9)\n" + add, tests, "", 1500);
  EXPECT_EQ(waiting_atexit.verdict, Verdict::kTimeout) << Describe(waiting_atexit);
  // Ends on its own: PASS, after the thread and the atexit handler have run.
  ExecResult ends =
      Run("import atexit, threading, time\n"
          "threading.Thread(target=time.sleep, args=(0.3,)).start()\n"
          "atexit.register(print, 'bye')\n" +
              add,
          tests, "", 5000);
  EXPECT_EQ(ends.verdict, Verdict::kPass) << Describe(ends);
  EXPECT_NE(ends.stdout_tail.find("bye"), std::string::npos) << Describe(ends);
  ExecResult daemon =
      Run("import threading, time\n"
          "threading.Thread(target=time.sleep, args=(1e9,), daemon=True).start()\n" +
              add,
          tests, "", 5000);
  EXPECT_EQ(daemon.verdict, Verdict::kPass) << Describe(daemon);
}

}  // namespace
}  // namespace ilf::sandbox::testing
