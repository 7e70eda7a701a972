// All 974 MBPP reference programs PASS in the sandbox (setup code and challenge tests included);
// a wrong program FAILs with the failing assert named.
#include <gtest/gtest.h>

#include "sandbox/sandbox.h"
#include "src/code/names.h"
#include "src/core/jsonl.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/support/test_data.h"

namespace ilf::sandbox::testing {
namespace {

std::vector<ExecRequest> LoadRequests(const std::string& path, std::vector<int64_t>* ids) {
  std::vector<ExecRequest> requests;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    ExecRequest request;
    request.program = record.String("code");
    request.setup = record.String("test_setup_code");
    for (const char* key : {"test_list", "challenge_test_list"}) {
      for (const Json& test : record.Field(key)) request.tests.push_back(test.get<std::string>());
    }
    request.entry_point = code::FindEntryPoint(request.program, request.tests.front()).value_or("");
    // Verdicts are under test, not speed: task 123 computes for ~3.5 s of CPU and went past the
    // default 10 s of wall time on a machine at load 8.
    request.limits.wall_time_ms = 60000;
    requests.push_back(std::move(request));
    ids->push_back(record.Int("task_id"));
  }
  return requests;
}

TEST_F(SandboxTest, AllMbppReferenceProgramsPass) {
  ILF_DATA_OR_SKIP(path, "mbpp/mbpp.jsonl");
  std::vector<int64_t> ids;
  std::vector<ExecRequest> requests = LoadRequests(path, &ids);
  ASSERT_EQ(requests.size(), 974u);
  std::vector<ExecResult> results = sandbox().RunAll(requests);
  int passed = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].verdict == Verdict::kPass) {
      ++passed;
      EXPECT_EQ(results[i].tests.size(), requests[i].tests.size());
    } else {
      ADD_FAILURE() << "task " << ids[i] << ": " << Describe(results[i]);
    }
  }
  EXPECT_EQ(passed, 974);
}

TEST_F(SandboxTest, WrongMbppProgramFailsNamingTheAssert) {
  ILF_DATA_OR_SKIP(path, "mbpp/mbpp.jsonl");
  std::vector<int64_t> ids;
  std::vector<ExecRequest> requests = LoadRequests(path, &ids);
  ExecRequest request = requests[1];  // task 2: similar_elements(test_tup1, test_tup2)
  ASSERT_EQ(ids[1], 2);
  request.program = "def similar_elements(a, b):\n    return tuple(sorted(set(a) | set(b)))\n";
  ExecResult r = sandbox().Run(request);
  ASSERT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  EXPECT_EQ(r.tests[0].status, TestStatus::kFailed);
  EXPECT_EQ(r.tests[0].message, request.tests[0]);
  EXPECT_NE(r.detail.find("test 0"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace ilf::sandbox::testing
