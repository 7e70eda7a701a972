// `ilf exec` as a user runs it: one JSON object on stdout, exit 0 whatever the verdict, 2 for a
// missing file.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_data.h"

namespace ilf::testing {
namespace {

nlohmann::json RunExec(const std::string& args, int* exit_code) {
  CommandResult result = RunCommand(IlfBinary() + " exec " + args + " 2>/dev/null");
  *exit_code = result.exit_code;
  return nlohmann::json::parse(result.output, nullptr, false);
}

TEST(ExecCliTest, AssertsOfTheTestFileAreTheTests) {
  ScratchDir dir;
  std::string program = dir.Write("p.py", "def double(x):\n    return 2 * x\n");
  std::string tests = dir.Write("t.py",
                                "import math\nassert double(2) == 4\n"
                                "def helper():\n    return 3\n"
                                "assert double(helper()) == 7, 'double(3)'\n"
                                "assert math.isclose(double(0.5), 1.0)\n");
  int code = -1;
  nlohmann::json result = RunExec(program + " --tests " + tests, &code);
  EXPECT_EQ(code, 0);
  ASSERT_TRUE(result.is_object()) << result;
  EXPECT_EQ(result["verdict"], "FAIL");
  ASSERT_EQ(result["tests"].size(), 3u);
  EXPECT_EQ(result["tests"][0]["status"], "passed");
  EXPECT_EQ(result["tests"][1]["status"], "failed");
  EXPECT_EQ(result["tests"][1]["message"], "double(3)");
  EXPECT_EQ(result["tests"][2]["status"], "passed");
}

// Issue 16 item 2: the entry point was the first name the tests call that the program defines,
// so `def all(xs): return True` replaced the builtin for the tests and a wrong program passed.
TEST(ExecCliTest, EntryPointNeverComesFromTheProgram) {
  ScratchDir dir;
  std::string program = dir.Write("p.py",
                                  "def all(xs):\n    return True\n"
                                  "def set(*a):\n    return 0\n"
                                  "def add(a, b):\n    return 0\n");
  std::string tests = dir.Write("t.py",
                                "assert all([add(1, 2) == 3])\n"
                                "assert set([add(1, 2)]) == set([3])\n");
  int code = -1;
  nlohmann::json result = RunExec(program + " --tests " + tests, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(result["verdict"], "FAIL") << result;
  // Named on the command line, the program's function is what the tests call (MBPP 126: `sum`).
  std::string sum = dir.Write("s.py", "def sum(a, b):\n    return a + b\n");
  std::string sum_tests = dir.Write("st.py", "assert sum(2, 3) == 5\n");
  result = RunExec(sum + " --tests " + sum_tests + " --entry-point sum", &code);
  EXPECT_EQ(result["verdict"], "PASS") << result;
}

// Issue 16 item 5: a test file whose statements run no test (`check(add)` at top level) passed
// with "all 0 tests passed".
TEST(ExecCliTest, TestFileWithoutTestsIsAnInputError) {
  ScratchDir dir;
  std::string program = dir.Write("p.py", "def add(a, b):\n    return 0\n");
  std::string tests = dir.Write("t.py", "def check(f):\n    assert f(1, 2) == 3\ncheck(add)\n");
  int code = -1;
  RunExec(program + " --tests " + tests, &code);
  EXPECT_EQ(code, 2);
}

// Issue 13 item 3: the statements between asserts ran before all the asserts.
TEST(ExecCliTest, TestFileRunsInItsOrder) {
  ScratchDir dir;
  std::string program = dir.Write("p.py", "def bump(c):\n    c[0] += 1\n    return c[0]\n");
  std::string tests = dir.Write("t.py",
                                "counter = [0]\n"
                                "assert bump(counter) == 1\n"
                                "counter[0] = 10\n"
                                "assert bump(counter) == 11\n"
                                "def twice(c):\n    return bump(c) + bump(c)\n"
                                "assert twice(counter) == 25\n"
                                "assert bump(counter) == 99\n");
  int code = -1;
  nlohmann::json result = RunExec(program + " --tests " + tests, &code);
  EXPECT_EQ(code, 0);
  ASSERT_EQ(result["tests"].size(), 4u) << result;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(result["tests"][i]["status"], "passed") << result;
  EXPECT_EQ(result["tests"][3]["status"], "failed");
  EXPECT_EQ(result["tests"][3]["message"], "assert bump(counter) == 99");
}

// Issue 13 item 2: the program's bytes reach compile() unchanged (they were decoded lossily).
TEST(ExecCliTest, ProgramBytesAreCompiledAsCPythonWould) {
  ScratchDir dir;
  std::string tests = dir.Write("t.py", "assert word() == 'caf\xc3\xa9'\n");  // UTF-8 test file
  int code = -1;
  // Latin-1 with its PEP 263 declaration: 0xe9 is 'é'.
  std::string latin1 =
      dir.Write("latin1.py", "# -*- coding: latin-1 -*-\ndef word():\n    return 'caf\xe9'\n");
  EXPECT_EQ(RunExec(latin1 + " --tests " + tests, &code)["verdict"], "PASS");
  // A UTF-8 byte order mark.
  std::string bom = dir.Write("bom.py",
                              "\xef\xbb\xbf"
                              "def word():\n    return 'caf\xc3\xa9'\n");
  EXPECT_EQ(RunExec(bom + " --tests " + tests, &code)["verdict"], "PASS");
  // Not UTF-8 and no declaration: CPython refuses it.
  std::string invalid = dir.Write("bad.py", "def word():\n    return 'caf\xe9'\n");
  nlohmann::json result = RunExec(invalid + " --tests " + tests, &code);
  EXPECT_EQ(result["verdict"], "COMPILE_ERROR") << result;
}

// Issue 13 item 2, tests: the test file's bytes reach compile() as they are, every top-level
// statement decoded as CPython decodes the whole file.
TEST(ExecCliTest, TestFileBytesAreCompiledAsCPythonWould) {
  ScratchDir dir;
  std::string program = dir.Write("p.py", "def word():\n    return 'caf\xc3\xa9'\n");
  int code = -1;
  // Latin-1 with its declaration; statements between the asserts, each block decoded as Latin-1.
  std::string latin1 = dir.Write("latin1.py",
                                 "# -*- coding: latin-1 -*-\n"
                                 "assert word() == 'caf\xe9'\n"
                                 "suffix = '\xe9'\n"
                                 "assert word().endswith(suffix)\n"
                                 "assert len(word()) == 4, '\xe9'\n");
  nlohmann::json result = RunExec(program + " --tests " + latin1, &code);
  EXPECT_EQ(result["verdict"], "PASS") << result;
  EXPECT_EQ(result["tests"].size(), 3u) << result;
  // The same with a setup file run first: the test file's own declaration still holds.
  std::string setup = dir.Write("setup.py", "import os\n");
  result = RunExec(program + " --setup " + setup + " --tests " + latin1, &code);
  EXPECT_EQ(result["verdict"], "PASS") << result;
  // A byte order mark, the first line an assert.
  std::string bom = dir.Write("bom.py",
                              "\xef\xbb\xbf"
                              "assert word() == 'caf\xc3\xa9'\nassert word()[3] == '\xc3\xa9'\n");
  result = RunExec(program + " --tests " + bom, &code);
  EXPECT_EQ(result["verdict"], "PASS") << result;
  EXPECT_EQ(result["tests"].size(), 2u) << result;
  // Latin-1 bytes without a declaration: CPython refuses the file, so nothing runs.
  std::string invalid = dir.Write("bad.py", "assert word() == 'caf'\nassert word() != '\xe9'\n");
  result = RunExec(program + " --tests " + invalid, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(result["verdict"], "COMPILE_ERROR") << result;
  EXPECT_EQ(result["tests"][0]["status"], "not_run") << result;
}

TEST(ExecCliTest, LimitsFromFlags) {
  ScratchDir dir;
  std::string program = dir.Write("p.py", "while True:\n    pass\n");
  int code = -1;
  nlohmann::json result = RunExec(program + " --time-limit-ms 500", &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(result["verdict"], "TIMEOUT") << result;
  EXPECT_LT(result["wall_time_ms"].get<double>(), 2000);
}

TEST(ExecCliTest, MissingFileIsAUsageError) {
  int code = -1;
  RunExec("/nonexistent/program.py", &code);
  EXPECT_EQ(code, 2);
  RunExec("", &code);
  EXPECT_EQ(code, 2);
}

TEST(BenchSandboxCliTest, BothRunsSideBySideWithCpuPerExecution) {
  ScratchDir dir;
  // Five tasks in MBPP's format; the third's reference is wrong, so both runs must see it fail.
  std::string data;
  for (int i = 1; i <= 5; ++i) {
    std::string body = i == 3 ? "x + 2" : "x + 1";
    data += "{\"task_id\": " + std::to_string(i) + ", \"text\": \"t\", \"code\": \"def f(x):\\n" +
            "    return " + body + "\", \"test_list\": [\"assert f(1) == 2\"], " +
            "\"test_setup_code\": \"\", \"challenge_test_list\": []}\n";
  }
  std::string path = dir.Write("tasks.jsonl", data);
  CommandResult result =
      RunCommand(IlfBinary() + " bench sandbox --data " + path + " --json 2>/dev/null");
  EXPECT_EQ(result.exit_code, 1) << "a reference that does not PASS fails the bench";
  nlohmann::json out = nlohmann::json::parse(result.output, nullptr, false);
  ASSERT_TRUE(out.is_object()) << result.output;
  EXPECT_EQ(out["tasks"], 5);
  EXPECT_EQ(out["passed"], 4);
  EXPECT_EQ(out["baseline_passed"], 4) << "the fresh python3 runs the same program and asserts";
  EXPECT_EQ(out["not_passed_task_ids"], nlohmann::json::array({3}));
  for (const char* key : {"exec_per_s", "baseline_exec_per_s", "ratio", "cpu_ms_per_exec",
                          "baseline_cpu_ms_per_exec"}) {
    ASSERT_TRUE(out[key].is_number()) << key;
    EXPECT_GT(out[key].get<double>(), 0) << key;
  }
  // A python3 start-up alone costs milliseconds of CPU; a sandbox execution must have been
  // counted (its helpers reaped) but cannot cost more than a generous bound.
  EXPECT_GT(out["baseline_cpu_ms_per_exec"].get<double>(), 1.0);
  EXPECT_LT(out["cpu_ms_per_exec"].get<double>(), 200.0);
  // The whole commands ran the same five programs: both see the wrong one fail.
  const nlohmann::json& commands = out["commands"];
  ASSERT_TRUE(commands.is_object()) << out;
  EXPECT_EQ(commands["ilf_eval_passed"], 4) << commands;
  EXPECT_EQ(commands["humaneval_harness_passed"], 4) << commands;
  for (const char* key : {"ilf_eval_s", "fresh_python3_s", "humaneval_harness_s"}) {
    ASSERT_TRUE(commands[key].is_number()) << key << ": " << commands;
    EXPECT_GT(commands[key].get<double>(), 0) << key;
  }
}

}  // namespace
}  // namespace ilf::testing
