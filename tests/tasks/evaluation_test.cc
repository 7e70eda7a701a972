// Summarize: how verdicts become pass@k (no sandbox, no data: results are built by hand).
#include "tasks/evaluation.h"

#include <gtest/gtest.h>

namespace ilf::tasks {
namespace {

struct Fixture {
  SuiteSelection selection;
  std::vector<Sample> samples;
  std::vector<SampleResult> results;

  // Task "a": one PASS and three SANDBOX_ERRORs; task "b": only SANDBOX_ERRORs.
  Fixture() {
    selection.suite.name = "toy";
    for (const char* id : {"a", "b"}) {
      Task task;
      task.task_id = id;
      task.tests = {"assert True"};
      task.base_test_count = 1;
      selection.suite.tasks.push_back(task);
    }
    for (const Task& task : selection.suite.tasks) selection.tasks.push_back(&task);
    const Task* a = &selection.suite.tasks[0];
    const Task* b = &selection.suite.tasks[1];
    for (const Task* task : {a, a, a, a, b, b}) samples.push_back({task, "0", "", ""});
    for (size_t i = 0; i < samples.size(); ++i) {
      SampleResult r;
      r.sample = &samples[i];
      r.exec.verdict = i == 0 ? sandbox::Verdict::kPass : sandbox::Verdict::kSandboxError;
      r.base_passed = i == 0;
      results.push_back(r);
    }
  }
};

// Issue 16 item 3: one correct sample plus three SANDBOX_ERRORs scored pass@1 = 100%, and a task
// whose samples were all SANDBOX_ERROR vanished from the counts.
TEST(Summarize, SandboxErrorsCountAsFailuresByDefault) {
  Fixture f;
  EvalOptions options;
  options.ks = {1};
  Json summary = Summarize(f.selection, f.results, options);
  EXPECT_DOUBLE_EQ(summary["pass_at_k"]["pass@1"].get<double>(), (0.25 + 0.0) / 2);
  EXPECT_EQ(summary["tasks_with_samples"], 2);
  EXPECT_EQ(summary["sandbox_errors"], 5);
  EXPECT_EQ(summary["sandbox_errors_per_task"], Json({{"a", 3}, {"b", 2}}));
  std::string table = FormatSummary(summary);
  EXPECT_NE(table.find("5 sandbox errors (counted as failures in pass@k): a (3) b (2)"),
            std::string::npos)
      << table;
}

TEST(Summarize, ExcludingSandboxErrorsIsAnOptIn) {
  Fixture f;
  EvalOptions options;
  options.ks = {1};
  options.exclude_sandbox_errors = true;
  Json summary = Summarize(f.selection, f.results, options);
  EXPECT_DOUBLE_EQ(summary["pass_at_k"]["pass@1"].get<double>(), 1.0);
  EXPECT_EQ(summary["tasks_with_samples"], 1);
  EXPECT_NE(FormatSummary(summary).find("left out of pass@k"), std::string::npos);
}

}  // namespace
}  // namespace ilf::tasks
