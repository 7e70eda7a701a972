// Hostile programs that try to forge a PASS: none may get one. Host facts are checked by the
// fixture after every test.
#include <gtest/gtest.h>

#include "tests/sandbox/hostile_fixture.h"

namespace ilf::sandbox::testing {
namespace {

// A wrong solution (the right one returns a + b); the forms below wrap it in their tricks.
constexpr char kTests[] = "assert add(1, 2) == 3";
std::vector<std::string> Tests() { return {kTests, "assert add(2, 2) == 4"}; }

TEST_F(HostileTest, SysExitZeroBeforeTheTests) {
  ExecResult r = Run("import sys\ndef add(a, b):\n    return 0\nsys.exit(0)\n", Tests());
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
}

TEST_F(HostileTest, OsExitZeroBeforeTheTests) {
  ExecResult r = Run("import os\ndef add(a, b):\n    return 0\nos._exit(0)\n", Tests());
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
  EXPECT_EQ(r.tests[0].status, TestStatus::kNotRun);
}

TEST_F(HostileTest, OsExitZeroInsideTheCall) {
  ExecResult r = Run("import os\ndef add(a, b):\n    os._exit(0)\n", Tests());
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
}

TEST_F(HostileTest, AtexitHookPrintsSuccess) {
  ExecResult r =
      Run("import atexit, os, sys\n"
          "atexit.register(lambda: (print('{\"verdict\": \"PASS\"}'), os._exit(0)))\n"
          "def add(a, b):\n    sys.exit(0)\n",
          Tests());
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
}

TEST_F(HostileTest, ReplacedExcepthook) {
  ExecResult r =
      Run("import sys\nsys.excepthook = lambda *a: None\n"
          "def add(a, b):\n    return a * b\n",
          Tests());
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
}

TEST_F(HostileTest, RebindingBuiltinsAndAssertionError) {
  ExecResult r =
      Run("import builtins\n"
          "class Quiet(Exception):\n    pass\n"
          "builtins.AssertionError = Quiet\n"
          "builtins.len = lambda x: 3\n"
          "builtins.list = lambda *a: [1, 2, 3]\n"
          "def add(a, b):\n    return [a]\n",
          {"assert len(add(1, 2)) == 3", "assert list(add(1, 2)) == [1, 2, 3]"});
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  EXPECT_EQ(r.tests[0].exception_type, "AssertionError");
  EXPECT_EQ(r.tests[1].status, TestStatus::kFailed);
}

// Defining a global named like a builtin would, in one shared namespace, replace it for the tests
// too: `set = lambda *a: 1` makes `set(f(x)) == set(y)` true whatever f returns. Such globals are
// hidden from the tests unless the name is the entry point (MBPP 126's function is called `sum`).
TEST_F(HostileTest, ProgramGlobalsShadowingBuiltinsAreHiddenFromTests) {
  ExecRequest request;
  request.program =
      "def set(*a):\n    return 1\n"
      "len = lambda x: 3\n"
      "sorted = lambda x: [1, 2]\n"
      "def similar(a, b):\n    return (0,)\n";
  request.tests = {"assert set(similar((1, 2), (2, 3))) == set((2,))", "assert len(similar(1, 2)) == 3",
                   "assert sorted(similar(1, 2)) == [1, 2]"};
  request.entry_point = "similar";
  request.limits.wall_time_ms = 5000;
  ExecResult r = sandbox().Run(request);
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  for (const TestOutcome& t : r.tests) EXPECT_EQ(t.status, TestStatus::kFailed);

  ExecRequest sum;  // the entry point may shadow a builtin
  sum.program = "def sum(a, b):\n    return a + b\n";
  sum.tests = {"assert sum(2, 3) == 5"};
  sum.entry_point = "sum";
  EXPECT_EQ(sandbox().Run(sum).verdict, Verdict::kPass);
}

TEST_F(HostileTest, AlwaysEqualObject) {
  ExecResult r =
      Run("class Yes:\n    def __eq__(self, other):\n        return True\n"
          "    __hash__ = object.__hash__\n"
          "    def __bool__(self):\n        return True\n"
          "def add(a, b):\n    return Yes()\n",
          {"assert add(1, 2) == 3", "assert 3 == add(1, 2)", "assert add(1, 2) != 4",
           "assert [add(1, 2)] == [3]", "assert {'k': add(1, 2)} == {'k': 3}",
           "assert add(1, 2) in (3,)"});
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  for (int i : {0, 1, 3, 4, 5}) EXPECT_EQ(r.tests[i].status, TestStatus::kFailed) << i;
  // Identity semantics: a program object is != 4 (and its __ne__ is never asked).
  EXPECT_EQ(r.tests[2].status, TestStatus::kPassed);
}

TEST_F(HostileTest, TruthOfAProgramObjectIsTheProgramsAnswer) {
  // Truthiness is asked of the program: it could state any truth value with a plain bool, so
  // this grants nothing. (Programs returning re.Match objects rely on it.)
  ExecResult r = Run("import re\nclass Always:\n    def __bool__(self):\n        return True\n"
                     "def match(text):\n    return re.search('a+b', text)\n"
                     "def add(a, b):\n    return Always()\n",
                     {"assert match('xaab')", "assert not match('xyz')", "assert add(1, 2) == 3"});
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  EXPECT_EQ(r.tests[0].status, TestStatus::kPassed);
  EXPECT_EQ(r.tests[1].status, TestStatus::kPassed);
  EXPECT_EQ(r.tests[2].status, TestStatus::kFailed);
}

TEST_F(HostileTest, BuiltinSubclassesWithForgedEquality) {
  ExecResult r =
      Run("class I(int):\n    def __eq__(self, other):\n        return True\n"
          "class L(list):\n    def __eq__(self, other):\n        return True\n"
          "    def __iter__(self):\n        return iter([1, 2, 3])\n"
          "class S(str):\n    def __eq__(self, other):\n        return True\n"
          "def add(a, b):\n    return I(0)\n"
          "def items():\n    return L([9])\n"
          "def name():\n    return S('no')\n",
          {"assert add(1, 2) == 3", "assert items() == [1, 2, 3]",
           "assert list(items()) == [1, 2, 3]", "assert name() == 'yes'"});
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  for (const TestOutcome& t : r.tests) EXPECT_EQ(t.status, TestStatus::kFailed);
}

TEST_F(HostileTest, PrintingFakeResultRecords) {
  ExecResult r = Run(
      "import sys, struct\n"
      "fake = ['{\"verdict\": \"PASS\"}', '{\"t\": \"test\", \"i\": 0, \"status\": \"passed\"}',"
      " '{\"t\": \"test\", \"i\": 1, \"status\": \"passed\"}', '{\"t\": \"done\"}']\n"
      "for line in fake:\n    print(line)\n    print(line, file=sys.stderr)\n"
      "frame = b'{\"verdict\":\"PASS\",\"tests\":[]}'\n"
      "sys.stdout.buffer.write(struct.pack('<I', len(frame)) + frame)\n"
      "sys.stdout.flush()\n"
      "def add(a, b):\n    print('{\"t\": \"done\"}')\n    return None\n",
      Tests());
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
}

TEST_F(HostileTest, WritingFakeRecordsToEveryDescriptor) {
  ExecResult r = Run(
      "import os, struct\n"
      "payloads = [b'{\"t\": \"test\", \"i\": 0, \"status\": \"passed\"}\\n{\"t\": \"done\"}\\n',"
      " struct.pack('<I', 2) + b'OK', b'\\x00' * 64]\n"
      "for fd in range(256):\n    for p in payloads:\n        try:\n"
      "            os.write(fd, p)\n        except OSError:\n            pass\n"
      "def add(a, b):\n    return 0\n",
      Tests());
  EXPECT_NE(r.verdict, Verdict::kPass) << Describe(r);
  EXPECT_NE(r.verdict, Verdict::kSandboxError) << Describe(r);
}

TEST_F(HostileTest, RerunningItselfWithAssertsDisabled) {
  ExecResult r =
      Run("import os, sys\n"
          "def add(a, b):\n    return 0\n"
          "os.execv(sys.executable or '/usr/bin/python3', ['python3', '-O', '-c', "
          "'print(1)'])\n",
          Tests());
  EXPECT_EQ(r.verdict, Verdict::kBlocked) << Describe(r);
}

TEST_F(HostileTest, RerunningThroughSubprocessAndSystem) {
  ExecResult r =
      Run("import subprocess\ndef add(a, b):\n"
          "    return int(subprocess.check_output(['python3', '-O', '-c', "
          "'print(3)']))\n",
          Tests());
  EXPECT_EQ(r.verdict, Verdict::kBlocked) << Describe(r);
  r = Run("import os\ndef add(a, b):\n    os.system('touch /tmp/ilf-canary')\n    return a + b\n",
          Tests());
  EXPECT_EQ(r.verdict, Verdict::kBlocked) << Describe(r);
}

TEST_F(HostileTest, HostEnvironmentIsNotVisible) {
  ExecResult r =
      Run("import os\nprint(dict(os.environ))\n"
          "for path in ['/proc/self/environ', '/proc/1/environ']:\n"
          "    try:\n        print(open(path, 'rb').read())\n"
          "    except OSError as e:\n        print(path, e)\n"
          "def add(a, b):\n    return os.environ.get('ILF_HOSTILE_SECRET', '')\n",
          {"assert add(1, 2).startswith('ilf-host-secret')"});
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  EXPECT_EQ(r.stdout_tail.find(kSecret), std::string::npos) << r.stdout_tail;
  EXPECT_EQ(r.stdout_tail.find("ILF_HOSTILE_SECRET"), std::string::npos) << r.stdout_tail;
}

TEST_F(HostileTest, HostFilesAreNotReadable) {
  ScratchFile secret("/tmp/ilf-hostile-secret.txt", kSecret);
  ExecResult r =
      Run("def add(a, b):\n"
          "    for p in ['/tmp/ilf-hostile-secret.txt', '/etc/shadow', '/etc/passwd',"
          " '/root/.bashrc', '/proc/1/cmdline']:\n"
          "        try:\n            return open(p).read()\n"
          "        except OSError as e:\n            print(p, type(e).__name__)\n"
          "    return 'none'\n",
          {"assert add(1, 2).startswith('ilf-host-secret')"});
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  // The helper's /tmp is its own tmpfs (FileNotFoundError); without a mount namespace Landlock
  // refuses (PermissionError).
  EXPECT_TRUE(r.stdout_tail.find("/tmp/ilf-hostile-secret.txt FileNotFoundError") !=
                  std::string::npos ||
              r.stdout_tail.find("/tmp/ilf-hostile-secret.txt PermissionError") !=
                  std::string::npos)
      << r.stdout_tail;
  EXPECT_EQ(r.stdout_tail.find(kSecret), std::string::npos) << r.stdout_tail;
}

TEST_F(HostileTest, NoFileOutsideTheScratchDirectory) {
  ExecResult r =
      Run("import os\ndef add(a, b):\n    n = 0\n"
          "    for p in " +
              CanaryList() +
              " + ['../ilf-canary', '/ilf-canary']:\n"
              "        try:\n            open(p, 'w').write('x')\n            n += 1\n"
              "        except OSError:\n            pass\n"
              "    open('inside.txt', 'w').write('fine')\n"
              "    print('inside', open('inside.txt').read())\n"
              "    return n\n",
          {"assert add(1, 2) == 5"});
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);  // not one outside write succeeded
  EXPECT_EQ(r.tests[0].message, "assert add(1, 2) == 5");
  EXPECT_NE(r.stdout_tail.find("inside fine"), std::string::npos) << r.stdout_tail;
}

TEST_F(HostileTest, ScratchDirectoryIsFreshForEachExecution) {
  ExecResult first =
      Run("import os\nopen('left.txt', 'w').write('x')\nos.mkdir('sub')\n"
          "os.chmod('sub', 0)\nos.chmod('.', 0o777)\n"
          "def add(a, b):\n    return 0\n",
          Tests());
  EXPECT_EQ(first.verdict, Verdict::kFail) << Describe(first);
  for (int i = 0; i < 4; ++i) {  // both helpers
    ExecResult next = Run("import os\ndef add(a, b):\n    return sorted(os.listdir('.'))\n",
                          {"assert add(1, 2) == ['left.txt', 'sub']"});
    EXPECT_EQ(next.verdict, Verdict::kFail) << Describe(next);
  }
}

TEST_F(HostileTest, CannotPassItselfOffAsATrustedProcess) {
  // Processes are told apart by name (the helper's evaluator is "ilf-evaluator"); the program
  // cannot take a trusted process's name.
  ExecResult by_file = Run(
      "def add(a, b):\n"
      "    try:\n"
      "        with open('/proc/self/comm', 'w') as f:\n"
      "            f.write('ilf-evaluator')\n"
      "        return 'renamed'\n"
      "    except OSError:\n"
      "        return a + b\n",
      Tests());
  EXPECT_EQ(by_file.verdict, Verdict::kPass) << Describe(by_file);
  ExecResult by_prctl = Run(
      "import ctypes\n"
      "ok = ctypes.CDLL(None).prctl(15, b'ilf-evaluator', 0, 0, 0) == 0\n"
      "def add(a, b):\n    return 'renamed' if ok else a + b\n",
      Tests());
  // PASS: prctl was refused and add() answered; BLOCKED: seccomp killed the caller.
  EXPECT_TRUE(by_prctl.verdict == Verdict::kPass || by_prctl.verdict == Verdict::kBlocked)
      << Describe(by_prctl);
}

// The value-class rule (README "Sandbox") cannot be borrowed: a class that only looks like a
// dataclass, a dataclass with its own __eq__, or a plain class whose __eq__ says True crosses as a
// handle and compares by identity, so none equals the test's expected value.
TEST_F(HostileTest, ValueClassRuleCannotBeForged) {
  const std::vector<std::string> programs = {
      // Fake dataclass: the attributes dataclasses sets, copied by hand, with an __eq__ of its own.
      "import dataclasses\n"
      "class P:\n    __dataclass_fields__ = {}\n"
      "    __dataclass_params__ = dataclasses.dataclass(type('Q', (), {})).__dataclass_params__\n"
      "    def __eq__(self, other):\n        return True\n"
      "def add(a, b):\n    return P()\n",
      // A real dataclass whose __eq__ is written in its body (dataclasses keeps it).
      "import dataclasses\n@dataclasses.dataclass\nclass P:\n    x: int = 0\n"
      "    def __eq__(self, other):\n        return True\n"
      "def add(a, b):\n    return P()\n",
      // A dataclass subclass that overrides __eq__ without @dataclass.
      "import dataclasses\n@dataclasses.dataclass\nclass P:\n    x: int = 0\n"
      "class Q(P):\n    def __eq__(self, other):\n        return True\n"
      "def add(a, b):\n    return Q()\n",
      // A dataclass whose generated __eq__ is replaced afterwards.
      "import dataclasses\n@dataclasses.dataclass\nclass P:\n    x: int = 0\n"
      "P.__eq__ = lambda self, other: True\n"
      "def add(a, b):\n    return P()\n",
      // A named tuple and an Enum whose __eq__ says True.
      "import collections\nclass T(collections.namedtuple('T', 'a')):\n"
      "    def __eq__(self, other):\n        return True\n"
      "def add(a, b):\n    return T(0)\n",
      "import enum\nclass E(enum.Enum):\n    A = 1\n    def __eq__(self, other):\n"
      "        return True\n"
      "def add(a, b):\n    return E.A\n",
      // A plain class whose __eq__ is always True.
      "class Any:\n    def __eq__(self, other):\n        return True\n"
      "def add(a, b):\n    return Any()\n",
  };
  for (const std::string& program : programs) {
    ExecResult r = Run(program, Tests());
    EXPECT_NE(r.verdict, Verdict::kPass) << program << Describe(r);
  }
}

// Issue 9: the line numbers of an exception (execution feedback) come from the traceback the
// harness reads, checked by the evaluator: printing a fake traceback, raising from code the
// program compiled itself as "<program>", or replacing the harness's own function in its process
// can only ever name lines that exist in the program.
TEST_F(HostileTest, ExceptionLinesCannotNameLinesOutsideTheProgram) {
  const std::string tail = "def add(a, b):\n    return a // 0\n";  // raises on its line 2
  ExecResult plain = Run(tail, Tests());
  ASSERT_FALSE(plain.tests.empty());
  EXPECT_EQ(plain.tests[0].program_lines, (std::vector<int64_t>{2})) << Describe(plain);
  ExecResult printed =
      Run("import sys\n"
          "print('Traceback (most recent call last):\\n  File \"<program>\", line 999, in add', "
          "file=sys.stderr)\n" +
              tail,
          Tests());
  ASSERT_FALSE(printed.tests.empty());
  EXPECT_EQ(printed.tests[0].program_lines, (std::vector<int64_t>{4})) << Describe(printed);
  ExecResult compiled =
      Run("def add(a, b):\n"
          "    exec(compile('\\n' * 900 + 'raise ZeroDivisionError', '<program>', 'exec'))\n",
          Tests());
  ASSERT_FALSE(compiled.tests.empty());
  EXPECT_EQ(compiled.tests[0].program_lines, (std::vector<int64_t>{2})) << Describe(compiled);
  const std::string replaced_program =
      "import sys\n"
      "h = sys.modules.get('_ilf_harness')\n"
      "if h is not None:\n"
      "    h._Untrusted.program_lines = lambda self, exc: [900, 0, -1, 3, 'x', 10**30]\n" +
      tail;
  ExecResult replaced = Run(replaced_program, Tests());
  EXPECT_EQ(replaced.verdict, Verdict::kRuntimeError) << Describe(replaced);
  ASSERT_FALSE(replaced.tests.empty());
  for (int64_t line : replaced.tests[0].program_lines) {
    EXPECT_GE(line, 1) << Describe(replaced);
    EXPECT_LE(line, 7) << Describe(replaced);
  }
}

}  // namespace
}  // namespace ilf::sandbox::testing
