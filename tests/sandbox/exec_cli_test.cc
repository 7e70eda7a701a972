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

}  // namespace
}  // namespace ilf::testing
