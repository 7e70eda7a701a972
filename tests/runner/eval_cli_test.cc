// `ilf eval` end to end: reference programs pass, wrong programs fail, bad input exits 2 naming the
// file and line and leaves no result files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

std::string Ilf() { return testing::IlfBinary(); }

Json Summary(const std::string& dir) { return Json::parse(ReadFile(dir + "/summary.json")); }

// Every reference program passes, except the listed ones (task id -> expected text in `detail`),
// which the README lists with their reason.
void ExpectAllReferencesPass(const std::string& suite, size_t tasks,
                             const std::map<std::string, std::string>& exceptions = {}) {
  ScratchDir dir;
  // The verdicts are under test, not the speed: MBPP 123's reference computes for ~3.5 s of CPU and
  // took over 10 s of wall time (the default limit) on a machine at load 8, so the limit is generous.
  auto result = RunCommand(Ilf() + " eval --suite " + suite +
                           " --reference --k 1 --time-limit-ms 60000 --out " + dir.path() + " 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  Json summary = Summary(dir.path());
  EXPECT_EQ(summary["samples"].get<size_t>(), tasks) << result.output;
  double expected = static_cast<double>(tasks - exceptions.size()) / tasks;
  EXPECT_DOUBLE_EQ(summary["pass_at_k"]["pass@1"].get<double>(), expected) << summary.dump(2);
  size_t excepted = 0;
  for (const JsonlRecord& r : ReadArtifact(dir.path() + "/results.jsonl", "ilf.results", 1)) {
    if (r.value["verdict"] == "PASS") continue;
    auto it = exceptions.find(r.value["task_id"].get<std::string>());
    if (it != exceptions.end() && r.value["detail"].get<std::string>().find(it->second) != std::string::npos) {
      ++excepted;
      continue;
    }
    ADD_FAILURE() << r.value.dump().substr(0, 600);
  }
  EXPECT_EQ(excepted, exceptions.size());
}

TEST(EvalReference, MbppAll974Pass) {
  ILF_DATA_OR_SKIP(f, "mbpp/mbpp.jsonl");
  ExpectAllReferencesPass("mbpp", 974);
}
TEST(EvalReference, MbppSanitizedPass) {
  ILF_DATA_OR_SKIP(f, "mbpp/sanitized-mbpp.json");
  ExpectAllReferencesPass("mbpp-sanitized", 427);
}
TEST(EvalReference, HumanEvalPass) {
  ILF_DATA_OR_SKIP(f, "humaneval/HumanEval.jsonl.gz");
  ExpectAllReferencesPass("humaneval", 164);
}
TEST(EvalReference, MbppPlusPassWithPlusTests) {
  ILF_DATA_OR_SKIP(f, "evalplus/MbppPlus-OriginFmt.jsonl.gz");
  // MBPP+/255 compares lists of ~128 M tuples, above what crosses from the program to the evaluator.
  ExpectAllReferencesPass("mbppplus", 378, {{"Mbpp/255", "not transferable"}});
}
TEST(EvalReference, HumanEvalPlusPassWithPlusTests) {
  ILF_DATA_OR_SKIP(f, "evalplus/HumanEvalPlus-OriginFmt.jsonl.gz");
  ExpectAllReferencesPass("humanevalplus", 164);
}

class EvalSamples : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* source = std::getenv("ILF_SOURCE_DIR");
    ASSERT_NE(source, nullptr);
    manifest_ = std::string(source) + "/tasks/examples/toy-suite.json";
  }
  std::string manifest_;
  ScratchDir dir_;
};

TEST_F(EvalSamples, PassAtKFromMixedSamplesAndKAboveNReported) {
  // Task 1: 2 of 3 correct (one completion continues the Chen prompt, one is a whole program);
  // task 4: 0 of 3 correct.
  std::string samples = dir_.Write("s.jsonl",
      "{\"task_id\": \"1\", \"completion\": \"    return sum(x * x for x in xs)\\n\"}\n"
      "{\"task_id\": \"1\", \"solution\": \"def sum_squares(xs):\\n    return sum(x ** 2 for x in xs)\\n\"}\n"
      "{\"task_id\": \"1\", \"completion\": \"    return sum(xs)\\n\"}\n"
      "{\"task_id\": \"4\", \"completion\": \"    return n\\n\"}\n"
      "{\"task_id\": 4, \"completion\": \"    return 1 / 0\\n\"}\n"
      "{\"task_id\": \"4\", \"completion\": \"    return (\\n\"}\n");
  auto result = RunCommand(Ilf() + " eval --suite " + manifest_ + " --samples " + samples + " --k 1,2,5 --out " +
                           dir_.path() + "/out 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  Json summary = Summary(dir_.path() + "/out");
  EXPECT_NEAR(summary["pass_at_k"]["pass@1"].get<double>(), (2.0 / 3 + 0) / 2, 1e-12);
  EXPECT_NEAR(summary["pass_at_k"]["pass@2"].get<double>(), (1.0 + 0) / 2, 1e-12);
  EXPECT_TRUE(summary["pass_at_k"]["pass@5"].is_null());
  EXPECT_EQ(summary["pass_at_k_notes"]["pass@5"], "k=5 > n for 2 tasks (min n = 3)");
  EXPECT_EQ(summary["verdicts"]["PASS"], 2);
  EXPECT_EQ(summary["verdicts"]["FAIL"], 2);
  EXPECT_EQ(summary["verdicts"]["RUNTIME_ERROR"], 1);
  EXPECT_EQ(summary["verdicts"]["COMPILE_ERROR"], 1);
  auto records = ReadArtifact(dir_.path() + "/out/results.jsonl", "ilf.results", 1, true);
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[2].value["verdict"], "FAIL");
  EXPECT_EQ(records[2].value["sample_id"], "2");
  EXPECT_EQ(records[2].value["tests"][0]["status"], "failed");
  EXPECT_EQ(records[2].value["tests"][0]["exception_type"], "AssertionError");
  EXPECT_NE(result.output.find("pass@1"), std::string::npos);
}

TEST_F(EvalSamples, ChattyFencedCompletionIsUnwrappedUnlessAskedNotTo) {
  std::string samples = dir_.Write("f.jsonl",
      "{\"task_id\": \"4\", \"completion\": \"Here you go:\\n```python\\ndef fib(n):\\n    a, b = 0, 1\\n"
      "    for _ in range(n):\\n        a, b = b, a + b\\n    return a\\n```\\nHope it helps.\"}\n");
  auto extracted = RunCommand(Ilf() + " eval --suite " + manifest_ + " --samples " + samples + " --k 1 --out " +
                              dir_.path() + "/x 2>&1");
  ASSERT_EQ(extracted.exit_code, 0) << extracted.output;
  EXPECT_EQ(Summary(dir_.path() + "/x")["verdicts"]["PASS"], 1);
  auto raw = RunCommand(Ilf() + " eval --suite " + manifest_ + " --samples " + samples + " --k 1 --no-extract --out " +
                        dir_.path() + "/y 2>&1");
  ASSERT_EQ(raw.exit_code, 0) << raw.output;
  EXPECT_EQ(Summary(dir_.path() + "/y")["verdicts"]["COMPILE_ERROR"], 1);
}

TEST_F(EvalSamples, BadInputExitsTwoNamingFileAndLineAndWritesNothing) {
  struct Case {
    std::string content;
    std::string message;
  };
  const Case kCases[] = {
      {"{\"task_id\": \"1\", \"completion\": \"x\"}\n{\"task_id\": \"1\", \"completion\": \n", "s.jsonl:2: not valid JSON"},
      {"{\"task_id\": \"1\"}\n", "s.jsonl:1: missing field 'completion'"},
      {"{\"task_id\": \"1\", \"completion\": \"x\"}\n\n{\"task_id\": \"99\", \"completion\": \"x\"}\n",
       "s.jsonl:3: task_id '99' is not a task of suite 'toy'"},
      {"{\"completion\": \"x\"}\n", "s.jsonl:1: missing field 'task_id'"},
  };
  for (const Case& c : kCases) {
    std::string samples = dir_.Write("s.jsonl", c.content);
    std::string out = dir_.path() + "/bad-out";
    auto result = RunCommand(Ilf() + " eval --suite " + manifest_ + " --samples " + samples + " --out " + out + " 2>&1");
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find(c.message), std::string::npos) << result.output;
    EXPECT_FALSE(std::filesystem::exists(out + "/results.jsonl"));
    EXPECT_FALSE(std::filesystem::exists(out + "/summary.json"));
  }
  auto missing = RunCommand(Ilf() + " eval --suite " + dir_.path() + "/nope.json --samples x.jsonl 2>&1");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope.json' does not exist"), std::string::npos) << missing.output;
  auto no_samples = RunCommand(Ilf() + " eval --suite " + manifest_ + " --samples " + dir_.path() + "/none.jsonl 2>&1");
  EXPECT_EQ(no_samples.exit_code, 2);
  EXPECT_NE(no_samples.output.find("none.jsonl"), std::string::npos) << no_samples.output;
  auto bad_k = RunCommand(Ilf() + " eval --suite " + manifest_ + " --reference --k 1,x 2>&1");
  EXPECT_EQ(bad_k.exit_code, 2);
}

TEST_F(EvalSamples, UsageErrorsNameTheCommandAndSuggestTheFlag) {
  // A misspelt flag is named with the closest real one (it read "--suite is required").
  auto misspelt = RunCommand(Ilf() + " eval --suit " + manifest_ + " --reference 2>&1");
  EXPECT_EQ(misspelt.exit_code, 2) << misspelt.output;
  EXPECT_NE(
      misspelt.output.find("ilf eval: error: unknown option '--suit' (did you mean '--suite'?)"),
      std::string::npos)
      << misspelt.output;
  // CLI11's own messages carry the same prefix.
  auto missing = RunCommand(Ilf() + " eval --reference 2>&1");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("ilf eval: error: --suite is required"), std::string::npos)
      << missing.output;
  auto command = RunCommand(Ilf() + " evl --reference 2>&1");
  EXPECT_EQ(command.exit_code, 2) << command.output;
  EXPECT_NE(command.output.find("unknown command 'evl' (did you mean 'eval'?)"), std::string::npos)
      << command.output;
}

TEST_F(EvalSamples, LimitsOutOfRangeAreRefusedAndTheAppliedOnesRecorded) {
  for (const char* limit :
       {"--time-limit-ms -5", "--time-limit-ms 0", "--memory-limit-mib 0", "--workers 0"}) {
    auto r = RunCommand(Ilf() + " eval --suite " + manifest_ + " --reference " + limit + " --out " +
                        dir_.path() + "/bad 2>&1");
    EXPECT_EQ(r.exit_code, 2) << limit << ": " << r.output;
    EXPECT_NE(r.output.find(
                  "ilf eval: error: " + std::string(limit).substr(0, std::string(limit).find(' ')) +
                  ": expected an integer"),
              std::string::npos)
        << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/bad"));
  }
  // The toy manifest sets 5000 ms and 512 MiB: summary.json says so, not 0.
  auto suite_limits = RunCommand(Ilf() + " eval --suite " + manifest_ +
                                 " --reference --k 1 --out " + dir_.path() + "/suite 2>&1");
  ASSERT_EQ(suite_limits.exit_code, 0) << suite_limits.output;
  Json config = Summary(dir_.path() + "/suite")["config"];
  EXPECT_EQ(config["time_limit_ms"], 5000) << config.dump();
  EXPECT_EQ(config["memory_limit_mib"], 512) << config.dump();
  auto flags =
      RunCommand(Ilf() + " eval --suite " + manifest_ + " --reference --k 1 --time-limit-ms 3000 " +
                 "--memory-limit-mib 1024 --out " + dir_.path() + "/flags 2>&1");
  ASSERT_EQ(flags.exit_code, 0) << flags.output;
  config = Summary(dir_.path() + "/flags")["config"];
  EXPECT_EQ(config["time_limit_ms"], 3000) << config.dump();
  EXPECT_EQ(config["memory_limit_mib"], 1024) << config.dump();
}

TEST_F(EvalSamples, EarlierResultsAreReplacedOnlyWithForce) {
  std::string out = dir_.path() + "/out";
  std::string command = Ilf() + " eval --suite " + manifest_ + " --reference --k 1 --out " + out;
  ASSERT_EQ(RunCommand(command + " 2>&1").exit_code, 0);
  std::string first = ReadFile(out + "/summary.json");
  WriteFileAtomically(out + "/summary.json", "an earlier summary\n");
  auto again = RunCommand(command + " 2>&1");
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("already holds the results of an evaluation"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  EXPECT_EQ(ReadFile(out + "/summary.json"), "an earlier summary\n");
  auto forced = RunCommand(command + " --force 2>&1");
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(Summary(out)["pass_at_k"], Json::parse(first)["pass_at_k"]);
}

// The ILF paper's annotations: every human refinement passes its MBPP task's tests; the original
// model programs are reported per task (most fail: they were chosen because they were wrong).
TEST(EvalAnnotations, HumanRefinementsPassAndOriginalsAreReported) {
  ILF_DATA_OR_SKIP(annotations, "ilf-code/surge_annotations.jsonl");
  ScratchDir dir;
  auto refined = RunCommand(Ilf() + " eval --suite mbpp --samples " + annotations +
                            " --field unedited_annotator_completion --k 1 --out " + dir.path() + "/refined 2>&1");
  ASSERT_EQ(refined.exit_code, 0) << refined.output;
  Json summary = Summary(dir.path() + "/refined");
  EXPECT_EQ(summary["samples"], 195);
  EXPECT_EQ(summary["verdicts"]["PASS"], 195) << summary.dump(2);
  auto original = RunCommand(Ilf() + " eval --suite mbpp --samples " + annotations +
                             " --field original_model_completion --k 1 --per-task --out " + dir.path() +
                             "/original 2>&1");
  ASSERT_EQ(original.exit_code, 0) << original.output;
  Json original_summary = Summary(dir.path() + "/original");
  EXPECT_EQ(original_summary["samples"], 195);
  EXPECT_LT(original_summary["pass_at_k"]["pass@1"].get<double>(), 0.2);
  EXPECT_NE(original.output.find("268 "), std::string::npos);  // per-task lines
}

}  // namespace
}  // namespace ilf
