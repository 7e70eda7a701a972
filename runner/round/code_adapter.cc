#include "runner/round/code_adapter.h"

#include <map>

#include "runner/round/old_code.h"
#include "runner/round/selection.h"
#include "sandbox/sandbox.h"
#include "src/code/truncate.h"
#include "src/core/error.h"
#include "tasks/evaluation.h"
#include "tasks/pass_at_k.h"
#include "tasks/prompts.h"
#include "tasks/suite.h"

namespace ilf::round {

CodeAdapter::CodeAdapter(CodeAdapterOptions options)
    : options_(std::move(options)), suite_(tasks::SelectSuite(options_.suite)) {}

CodeAdapter::~CodeAdapter() = default;

const tasks::Task& CodeAdapter::TaskOf(const std::string& task_id) const {
  const tasks::Task* task = suite_->suite.Find(task_id);
  if (task == nullptr)
    throw Error("task_id '" + task_id + "' is not a task of suite '" + suite_->suite.name + "'");
  return *task;
}

std::vector<std::string> CodeAdapter::TaskIds(const std::string& split, int64_t limit) const {
  std::vector<std::string> ids;
  for (const tasks::Task* task : suite_->suite.TasksOf(split)) {
    if (limit > 0 && static_cast<int64_t>(ids.size()) >= limit) break;
    ids.push_back(task->task_id);
  }
  return ids;
}

std::string CodeAdapter::InitialPrompt(const std::string& task_id) const {
  return tasks::BuildPrompt(suite_->suite, TaskOf(task_id));
}

std::string CodeAdapter::RefinementPrompt(const std::string& task_id, const std::string& old_output,
                                          const std::string& feedback) const {
  std::string initial = InitialPrompt(task_id);
  // The old program as the model wrote it: the prompt's function header plus the completion.
  std::string old_program =
      tasks::ProgramOf(suite_->suite, TaskOf(task_id), old_output, tasks::ProgramMode::kAuto);
  return tasks::RefinementPrompt(
      CutToTokenBudget(old_program, options_.old_code_max_tokens, options_.count_tokens), feedback,
      initial);
}

std::string CodeAdapter::PostProcess(const std::string& text) const {
  return code::TruncateCompletion(text);
}

std::vector<Check> CodeAdapter::CheckOutputs(const std::vector<Output>& outputs) {
  if (!sandbox_) {
    sandbox::SandboxOptions sandbox_options;
    sandbox_options.workers = options_.sandbox_workers;
    sandbox_ = std::make_unique<sandbox::Sandbox>(sandbox_options);
  }
  std::vector<tasks::Sample> samples;
  samples.reserve(outputs.size());
  for (const Output& output : outputs) {
    tasks::Sample sample;
    sample.task = &TaskOf(output.task_id);
    sample.sample_id = output.sample_id;
    sample.text = output.completion;
    sample.where = "task " + output.task_id + " sample " + output.sample_id;
    samples.push_back(std::move(sample));
  }
  tasks::EvalOptions eval_options;
  std::vector<tasks::SampleResult> results =
      tasks::EvaluateSamples(*sandbox_, *suite_, samples, eval_options);
  std::vector<Check> checks;
  checks.reserve(results.size());
  for (const tasks::SampleResult& result : results) {
    Check check;
    check.task_id = outputs[checks.size()].task_id;
    check.sample_id = result.sample->sample_id;
    check.passed = result.exec.verdict == sandbox::Verdict::kPass;
    check.verdict = std::string(sandbox::VerdictName(result.exec.verdict));
    size_t passed_tests = 0;
    for (const sandbox::TestOutcome& t : result.exec.tests)
      passed_tests += t.status == sandbox::TestStatus::kPassed;
    check.score = result.exec.tests.empty()
                      ? 0.0
                      : static_cast<double>(passed_tests) / result.exec.tests.size();
    check.detail = result.ToJson();
    checks.push_back(std::move(check));
  }
  return checks;
}

std::vector<Selection> CodeAdapter::Select(const std::vector<Output>& refinements,
                                           const std::vector<Check>& checks,
                                           const SelectRequest& request) {
  ILF_CHECK(refinements.size() == checks.size());
  std::map<std::string, std::vector<size_t>> passing;  // task id -> refinement indices, in order
  std::vector<std::string> order;                      // tasks in order of first appearance
  for (size_t i = 0; i < refinements.size(); ++i) {
    const std::string& task_id = refinements[i].task_id;
    if (!passing.count(task_id)) order.push_back(task_id);
    std::vector<size_t>& list = passing[task_id];
    if (checks[i].passed) list.push_back(i);
  }
  std::vector<Selection> selections;
  for (const std::string& task_id : order) {
    std::vector<Candidate> candidates;
    for (size_t i : passing[task_id])
      candidates.push_back({refinements[i].completion.size(), refinements[i].logprob});
    std::optional<size_t> chosen = ChooseCandidate(candidates, request.rule, request.seed, task_id);
    if (!chosen) continue;
    const Output& refinement = refinements[passing[task_id][*chosen]];
    selections.push_back(
        {task_id, refinement.sample_id, InitialPrompt(task_id), refinement.completion});
  }
  return selections;
}

Json CodeAdapter::Evaluate(const std::vector<Output>& samples, const std::vector<Check>& checks,
                           const EvalRequest& request) {
  ILF_CHECK(samples.size() == checks.size());
  std::map<std::string, tasks::TaskCounts> counts;
  int64_t sandbox_errors = 0, passed = 0;
  for (const Check& check : checks) {
    // Ours, counted as a failure as `ilf eval` does, so an error can never raise pass@k.
    sandbox_errors += check.verdict == "SANDBOX_ERROR";
    counts[check.task_id].n++;
    counts[check.task_id].c += check.passed;
    passed += check.passed;
  }
  std::vector<tasks::TaskCounts> per_task;
  for (const auto& [task_id, c] : counts) per_task.push_back(c);
  Json metrics = {{"tasks", counts.size()},
                  {"samples", samples.size()},
                  {"passed", passed},
                  {"sandbox_errors", sandbox_errors}};
  Json headline = Json::array();
  for (const tasks::PassAtKResult& r : tasks::MeanPassAtK(per_task, request.ks)) {
    std::string name = "pass@" + std::to_string(r.k);
    metrics[name] = r.value ? Json(*r.value) : Json(nullptr);
    if (!r.note.empty()) metrics[name + "_note"] = r.note;
    headline.push_back(name);
  }
  metrics["headline"] = headline;
  return metrics;
}

}  // namespace ilf::round
