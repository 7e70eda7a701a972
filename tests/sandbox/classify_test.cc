// Classification is a pure function of what the helper saw: table-driven checks that nothing but
// the evaluator's records can make a PASS, and that limits come from the helper's observations.
#include "sandbox/classify.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace ilf::sandbox {
namespace {

nlohmann::json Record(int i, const char* status, const char* type = "", const char* msg = "") {
  return {{"t", "test"}, {"i", i}, {"status", status}, {"type", type}, {"msg", msg}, {"ms", 0.1}};
}
const nlohmann::json kDone = {{"t", "done"}};

ChildStatus Exited(int code) { return {true, true, code, 0}; }
ChildStatus Signaled(int signal) { return {true, false, 0, signal}; }

Observation Base() {
  Observation obs;
  obs.untrusted = Exited(0);
  obs.evaluator = Exited(0);
  obs.test_count = 2;
  obs.records = {Record(0, "passed"), Record(1, "passed"), kDone};
  return obs;
}

Verdict Classified(const Observation& obs, ExecResult* out = nullptr) {
  ExecResult result;
  Classify(obs, &result);
  if (out) *out = result;
  return result.verdict;
}

TEST(ClassifyTest, PassNeedsEveryTestPassedAndDone) {
  EXPECT_EQ(Classified(Base()), Verdict::kPass);
  Observation missing_done = Base();
  missing_done.records.pop_back();
  EXPECT_NE(Classified(missing_done), Verdict::kPass);
  Observation missing_test = Base();
  missing_test.records = {Record(0, "passed"), kDone};
  EXPECT_NE(Classified(missing_test), Verdict::kPass);
}

TEST(ClassifyTest, UntrustedExitStatusNeverMakesAPass) {
  Observation obs = Base();
  obs.records = {{{"t", "program_died"}, {"msg", "closed"}},
                 Record(0, "not_run"),
                 Record(1, "not_run"),
                 kDone};
  obs.untrusted = Exited(0);
  ExecResult result;
  EXPECT_EQ(Classified(obs, &result), Verdict::kRuntimeError);
  EXPECT_NE(result.detail.find("exited with status 0"), std::string::npos) << result.detail;
}

TEST(ClassifyTest, LimitsComeFromTheHelpersObservations) {
  struct Case {
    const char* name;
    void (*change)(Observation*);
    Verdict expected;
  };
  const Case cases[] = {
      {"sigsys", [](Observation* o) { o->untrusted = Signaled(SIGSYS); }, Verdict::kBlocked},
      {"wall", [](Observation* o) { o->wall_timeout = true; }, Verdict::kTimeout},
      {"output", [](Observation* o) { o->output_exceeded = true; }, Verdict::kOutputLimit},
      {"sigxcpu", [](Observation* o) { o->untrusted = Signaled(SIGXCPU); }, Verdict::kTimeout},
      {"cpu-kill",
       [](Observation* o) {
         o->untrusted = Signaled(SIGKILL);
         o->untrusted_cpu_ms = o->limits.cpu_time_ms;
       },
       Verdict::kTimeout},
      {"oom-kill", [](Observation* o) { o->untrusted = Signaled(SIGKILL); }, Verdict::kMemoryLimit},
      {"sigxfsz", [](Observation* o) { o->untrusted = Signaled(SIGXFSZ); }, Verdict::kOutputLimit},
      {"scratch", [](Observation* o) { o->scratch_exceeded = true; }, Verdict::kOutputLimit},
      {"setup", [](Observation* o) { o->setup_failure = "U: seccomp: EINVAL"; },
       Verdict::kSandboxError},
      {"teardown-kill",
       [](Observation* o) {
         o->untrusted = Signaled(SIGKILL);
         o->untrusted_killed_by_us = true;
       },
       Verdict::kPass},
      {"evaluator-crash",
       [](Observation* o) {
         o->evaluator = Signaled(SIGSEGV);
         o->records = {Record(0, "passed")};
       },
       Verdict::kSandboxError},
  };
  for (const Case& c : cases) {
    Observation obs = Base();
    c.change(&obs);
    EXPECT_EQ(Classified(obs), c.expected) << c.name;
  }
}

TEST(ClassifyTest, FailNamesTheFirstFailingTest) {
  Observation obs = Base();
  obs.records = {Record(0, "passed"), Record(1, "failed", "AssertionError", "assert f(2) == 3"),
                 kDone};
  ExecResult result;
  EXPECT_EQ(Classified(obs, &result), Verdict::kFail);
  EXPECT_EQ(result.detail, "test 1: AssertionError: assert f(2) == 3");
  EXPECT_EQ(result.tests[1].status, TestStatus::kFailed);
}

// Issue 16 item 8: `raise MemoryError('fake')` chose MEMORY_LIMIT. A MemoryError is a limit
// only when the helper saw the memory in use (peak RSS at least half the limit).
TEST(ClassifyTest, MemoryErrorIsALimitOnlyWhenTheHelperSawTheMemory) {
  Observation obs = Base();
  obs.limits.memory_mib = 256;
  obs.records = {Record(0, "error", "MemoryError", "fake"), Record(1, "passed"), kDone};
  obs.untrusted_peak_rss_kib = 20 << 10;
  EXPECT_EQ(Classified(obs), Verdict::kRuntimeError);
  obs.records = {{{"t", "program_raised"}, {"type", "MemoryError"}, {"msg", "fake"}}, kDone};
  EXPECT_EQ(Classified(obs), Verdict::kRuntimeError);
  obs.untrusted_peak_rss_kib = 200 << 10;
  EXPECT_EQ(Classified(obs), Verdict::kMemoryLimit);
}

// Under AddressSanitizer U starts with a large resident set (ASan's shadow of the zygote) and an
// address space of terabytes that does not count against its limit (start_address_space_kib 0):
// a raised MemoryError was judged MEMORY_LIMIT because that start alone passed the bound.
TEST(ClassifyTest, MemoryRuleCountsGrowthOverWhatUStartsWith) {
  Observation obs = Base();
  obs.limits.memory_mib = 1024;
  obs.start_address_space_kib = 0;
  obs.start_resident_kib = 400 << 10;
  obs.records = {{{"t", "program_raised"}, {"type", "MemoryError"}, {"msg", "fake"}}, kDone};
  obs.untrusted_peak_rss_kib = 420 << 10;
  EXPECT_EQ(Classified(obs), Verdict::kRuntimeError);
  obs.untrusted_peak_rss_kib = (400 + 600) << 10;  // grew by more than half of the limit
  EXPECT_EQ(Classified(obs), Verdict::kMemoryLimit);
}

// Issue 16 item 5: a record the helper cannot read is a failure of the execution, not skipped.
TEST(ClassifyTest, ProtocolFailureIsNeverAPass) {
  Observation obs = Base();
  obs.test_count = 0;
  obs.records = {kDone};
  EXPECT_EQ(Classified(obs), Verdict::kPass);
  obs.protocol_error = "unreadable evaluator record";
  EXPECT_EQ(Classified(obs), Verdict::kSandboxError);
}

TEST(ClassifyTest, CompileErrorAndHarnessError) {
  Observation obs = Base();
  obs.records = {{{"t", "compile_error"}, {"type", "SyntaxError"}, {"msg", "bad"}}, kDone};
  EXPECT_EQ(Classified(obs), Verdict::kCompileError);
  obs.records = {{{"t", "harness_error"}, {"msg", "bug"}}};
  EXPECT_EQ(Classified(obs), Verdict::kSandboxError);
}

// E's fields of another type count as absent: before, value() threw nlohmann's type_error for
// "i": "0" or "ms": "x" (the helper failed the execution), and "i": 1e300 was a float-to-size_t
// cast out of range (undefined behaviour).
TEST(ClassifyTest, MistypedFieldsCountAsAbsent) {
  for (const char* i : {"\"0\"", "1e300", "-1", "0.5", "null"}) {
    Observation obs = Base();
    obs.records[0] =
        nlohmann::json::parse(std::string(R"({"t": "test", "status": "passed", "i": )") + i + "}");
    ExecResult result;
    EXPECT_NE(Classified(obs, &result), Verdict::kPass) << i;
    EXPECT_EQ(result.tests[0].status, TestStatus::kNotRun) << i;
  }
  Observation obs = Base();
  obs.records[0]["ms"] = "x";
  ExecResult result;
  EXPECT_EQ(Classified(obs, &result), Verdict::kPass);
  EXPECT_EQ(result.tests[0].duration_ms, 0.0);
}

TEST(ClassifyTest, RecordsParseLineByLine) {
  auto records = ParseRecords("{\"t\": \"done\"}\nnot json\n{\"t\": \"test\", \"i\": 0}\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["t"], "test");
  // A line nested past the bound is not a record (the program's output is outside input: copying
  // a 100,000-deep object overflows the stack).
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"t\":";
  deep += "1" + std::string(100000, '}');
  EXPECT_EQ(ParseRecords(deep + "\n{\"t\": \"done\"}\n").size(), 1u);
}

}  // namespace
}  // namespace ilf::sandbox
