#include "tasks/evaluation.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "src/core/error.h"
#include "src/code/extract.h"
#include "src/code/names.h"
#include "src/code/syntax.h"
#include "src/core/progress.h"
#include "tasks/approx.h"
#include "tasks/prompts.h"

namespace ilf::tasks {
namespace {

bool HasPlusTests(const Suite& suite) {
  for (const Task& task : suite.tasks) {
    if (task.base_test_count < task.tests.size()) return true;
  }
  return false;
}

Json PassAtKJson(const std::vector<TaskCounts>& counts, const std::vector<int64_t>& ks, Json* notes) {
  Json out = Json::object();
  for (const PassAtKResult& r : MeanPassAtK(counts, ks)) {
    std::string key = "pass@" + std::to_string(r.k);
    out[key] = r.value ? Json(*r.value) : Json(nullptr);
    if (!r.note.empty() && notes != nullptr) (*notes)[key] = r.note;
  }
  return out;
}

}  // namespace

std::vector<Sample> ReadSamples(const std::string& path, const SuiteSelection& selection,
                                const EvalOptions& options, size_t* skipped) {
  std::set<const Task*> selected(selection.tasks.begin(), selection.tasks.end());
  std::map<const Task*, int> next_index;
  std::map<std::pair<const Task*, std::string>, std::string> seen;  // (task, sample_id) -> where
  std::vector<Sample> samples;
  size_t outside = 0;
  for (const JsonlRecord& record : ReadArtifact(path, "ilf.samples", 1)) {
    const Json& id = record.Field("task_id");
    if (!id.is_string() && !id.is_number_integer()) {
      throw Error(record.Where() + ": field 'task_id' must be a string or an integer");
    }
    std::string task_id = id.is_string() ? id.get<std::string>() : std::to_string(id.get<int64_t>());
    const Task* task = selection.suite.Find(task_id);
    if (task == nullptr) {
      throw Error(record.Where() + ": task_id '" + task_id + "' is not a task of suite '" +
                  selection.suite.name + "' (hint: check --suite)");
    }
    std::string field = options.field;
    if (field.empty()) field = record.value.contains("solution") ? "solution" : "completion";
    if (record.value.contains(field) && record.value[field].is_null()) {
      throw Error(record.Where() + ": field '" + field +
                  "' is null, expected the program text (a string)");
    }
    Sample sample;
    sample.task = task;
    sample.text = record.String(field);
    sample.where = record.Where();
    int index = next_index[task]++;
    if (record.Has("sample_id")) {
      const Json& sid = record.Field("sample_id");
      sample.sample_id = sid.is_string() ? sid.get<std::string>() : sid.dump();
    } else {
      sample.sample_id = std::to_string(index);
    }
    auto [first, inserted] = seen.emplace(std::make_pair(task, sample.sample_id), sample.where);
    if (!inserted) {
      throw Error(record.Where() + ": duplicate sample_id '" + sample.sample_id + "' for task '" +
                  task->task_id + "' (first at " + first->second +
                  "); pass@k would count the sample twice");
    }
    if (!selected.count(task)) {
      ++outside;
      continue;
    }
    samples.push_back(std::move(sample));
  }
  if (skipped != nullptr) *skipped = outside;
  return samples;
}

std::string ProgramOf(const Suite& suite, const Task& task, const std::string& text, ProgramMode mode) {
  switch (mode) {
    case ProgramMode::kCompletion:
      return text;
    case ProgramMode::kPromptPlusCompletion:
      return BuildPrompt(suite, task) + text;
    case ProgramMode::kAuto:
      if (task.EntryPoint().empty() || code::FindTopLevelNames(text).Defines(task.EntryPoint())) return text;
      return BuildPrompt(suite, task, suite.prompt_style == PromptStyle::kMbpp3Shot ? PromptStyle::kChen
                                                                                    : suite.prompt_style) +
             text;
  }
  return text;
}

sandbox::ExecRequest RequestFor(const Suite& suite, const Task& task, std::string program,
                                const EvalOptions& options) {
  sandbox::ExecRequest request;
  request.program = std::move(program);
  request.setup = task.setup;
  request.tests = task.tests;
  request.entry_point = task.EntryPoint();
  request.limits = suite.limits;
  if (options.time_limit_ms) {
    request.limits.wall_time_ms = *options.time_limit_ms;
    request.limits.cpu_time_ms = *options.time_limit_ms;
  }
  if (options.memory_limit_mib) request.limits.memory_mib = *options.memory_limit_mib;
  if (suite.approximate_floats) ApplyApproximateFloats(request);
  return request;
}

Json SampleResult::ToJson() const {
  Json record = exec.ToJson();
  record["task_id"] = sample->task->task_id;
  record["sample_id"] = sample->sample_id;
  record["passed"] = exec.verdict == sandbox::Verdict::kPass;
  record["program"] = program;  // what ran, so feedback (feedback/) can quote it
  if (sample->task->base_test_count < sample->task->tests.size()) record["base_passed"] = base_passed;
  return record;
}

std::vector<SampleResult> EvaluateSamples(sandbox::Sandbox& sandbox, const SuiteSelection& selection,
                                          const std::vector<Sample>& samples, const EvalOptions& options) {
  // Programs that tree-sitter proves invalid are COMPILE_ERROR without starting Python.
  std::vector<SampleResult> results(samples.size());
  std::vector<sandbox::ExecRequest> requests;
  std::vector<size_t> request_sample;  // requests[j] runs samples[request_sample[j]]
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& sample = samples[i];
    results[i].sample = &sample;
    std::string text = options.extract_code ? code::ExtractCode(sample.text, {sample.task->EntryPoint(), false})
                                            : sample.text;
    std::string program = ProgramOf(selection.suite, *sample.task, text, options.program_mode);
    results[i].program = program;
    code::SyntaxCheck syntax = code::CheckSyntax(program);
    if (!syntax.ok) {
      results[i].exec.verdict = sandbox::Verdict::kCompileError;
      results[i].exec.detail = "SyntaxError: " + syntax.ToString();
      results[i].exec.tests.resize(sample.task->tests.size());
      continue;
    }
    requests.push_back(RequestFor(selection.suite, *sample.task, std::move(program), options));
    request_sample.push_back(i);
  }
  Progress progress("eval", static_cast<int64_t>(samples.size()));
  progress.Advance(static_cast<int64_t>(samples.size() - requests.size()));
  std::vector<sandbox::ExecResult> execs = sandbox.RunAll(requests, [&](size_t) { progress.Advance(); });
  progress.Finish();
  for (size_t j = 0; j < requests.size(); ++j) results[request_sample[j]].exec = std::move(execs[j]);
  for (size_t i = 0; i < samples.size(); ++i) {
    const sandbox::ExecResult& exec = results[i].exec;
    size_t base = samples[i].task->base_test_count;
    bool base_ok = exec.verdict != sandbox::Verdict::kSandboxError && exec.tests.size() >= base;
    for (size_t t = 0; base_ok && t < base; ++t) base_ok = exec.tests[t].status == sandbox::TestStatus::kPassed;
    results[i].base_passed = base_ok || exec.verdict == sandbox::Verdict::kPass;
  }
  return results;
}

Json Summarize(const SuiteSelection& selection, const std::vector<SampleResult>& results,
               const EvalOptions& options) {
  std::map<const Task*, TaskCounts> plus, base;
  std::map<std::string, int64_t> verdicts;
  int64_t sandbox_errors = 0;
  Json errors_per_task = Json::object();
  for (const SampleResult& r : results) {
    verdicts[std::string(sandbox::VerdictName(r.exec.verdict))]++;
    const Task* task = r.sample->task;
    if (r.exec.verdict == sandbox::Verdict::kSandboxError) {
      ++sandbox_errors;
      errors_per_task[task->task_id] = errors_per_task.value(task->task_id, 0) + 1;
      if (options.exclude_sandbox_errors) continue;  // else a failed sample, like any other
    }
    plus[task].n++;
    plus[task].c += r.exec.verdict == sandbox::Verdict::kPass;
    base[task].n++;
    base[task].c += r.base_passed;
  }
  auto counts_of = [](const std::map<const Task*, TaskCounts>& m, const Split* split) {
    std::vector<TaskCounts> out;
    for (const auto& [task, counts] : m) {
      if (split == nullptr || split->Contains(*task)) out.push_back(counts);
    }
    return out;
  };
  Json summary;
  summary["suite"] = selection.suite.name;
  summary["split"] = selection.split.empty() ? "all" : selection.split;
  summary["samples"] = results.size();
  summary["tasks_in_split"] = selection.tasks.size();
  summary["tasks_with_samples"] = plus.size();
  summary["tasks_without_samples"] = selection.tasks.size() - std::min(selection.tasks.size(), plus.size());
  Json notes = Json::object();
  summary["pass_at_k"] = PassAtKJson(counts_of(plus, nullptr), options.ks, &notes);
  bool has_plus = HasPlusTests(selection.suite);
  if (has_plus) summary["base_pass_at_k"] = PassAtKJson(counts_of(base, nullptr), options.ks, nullptr);
  summary["pass_at_k_notes"] = notes;
  summary["verdicts"] = verdicts;
  summary["sandbox_errors"] = sandbox_errors;
  summary["sandbox_errors_per_task"] = errors_per_task;
  summary["sandbox_errors_excluded"] = options.exclude_sandbox_errors;
  Json per_split = Json::object();
  for (const Split& split : selection.suite.splits) {
    std::vector<TaskCounts> counts = counts_of(plus, &split);
    if (counts.empty()) continue;
    Json entry{{"tasks", counts.size()}, {"pass_at_k", PassAtKJson(counts, options.ks, nullptr)}};
    if (has_plus) entry["base_pass_at_k"] = PassAtKJson(counts_of(base, &split), options.ks, nullptr);
    per_split[split.name] = entry;
  }
  summary["per_split"] = per_split;
  return summary;
}

std::string FormatSummary(const Json& summary) {
  std::string out = fmt::format("suite {} (split {}): {} samples over {} tasks\n", summary["suite"].get<std::string>(),
                                summary["split"].get<std::string>(), summary["samples"].get<int64_t>(),
                                summary["tasks_with_samples"].get<int64_t>());
  auto row = [&](const std::string& label, const Json& values) {
    out += fmt::format("  {:<14}", label);
    for (auto& [key, value] : values.items()) {
      out += value.is_null() ? fmt::format("  {} n/a", key) : fmt::format("  {} {:6.2f}%", key, 100 * value.get<double>());
    }
    out += "\n";
  };
  row(summary.contains("base_pass_at_k") ? "plus tests" : "all tests", summary["pass_at_k"]);
  if (summary.contains("base_pass_at_k")) row("base tests", summary["base_pass_at_k"]);
  for (auto& [split, entry] : summary["per_split"].items()) row(split, entry["pass_at_k"]);
  out += "  verdicts:";
  for (auto& [verdict, count] : summary["verdicts"].items()) out += fmt::format(" {} {}", verdict, count.get<int64_t>());
  out += "\n";
  for (auto& [key, note] : summary["pass_at_k_notes"].items()) out += "  " + key + ": " + note.get<std::string>() + "\n";
  if (summary["sandbox_errors"].get<int64_t>() > 0) {
    bool excluded = summary.value("sandbox_errors_excluded", false);
    out += fmt::format("  warning: {} sandbox errors ({}):", summary["sandbox_errors"].get<int64_t>(),
                       excluded ? "left out of pass@k" : "counted as failures in pass@k");
    for (auto& [task_id, count] : summary["sandbox_errors_per_task"].items()) {
      out += fmt::format(" {} ({})", task_id, count.get<int64_t>());
    }
    out += "\n";
  }
  return out;
}

}  // namespace ilf::tasks
