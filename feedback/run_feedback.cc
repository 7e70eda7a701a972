#include "feedback/run_feedback.h"

#include <filesystem>
#include <memory>
#include <set>

#include "feedback/execution.h"
#include "feedback/human_file.h"
#include "sandbox/sandbox.h"
#include "src/core/error.h"
#include "src/core/log.h"
#include "tasks/suite.h"

namespace ilf::feedback {
namespace {

struct SourceSpec {
  std::string kind;  // "human", "model", "execution"
  std::string arg;   // FILE, DIR or ""
};

SourceSpec ParseSource(const std::string& spec) {
  size_t colon = spec.find(':');
  SourceSpec out{spec.substr(0, colon), colon == std::string::npos ? "" : spec.substr(colon + 1)};
  if ((out.kind == "human" || out.kind == "model") && !out.arg.empty()) return out;
  if (out.kind == "execution" && colon == std::string::npos) return out;
  throw Error("--source: expected human:FILE, model:DIR or execution, got '" + spec + "'");
}

}  // namespace

std::vector<FeedbackItem> ItemsFromResults(const std::string& path,
                                           const tasks::SuiteSelection& selection, int64_t per_task,
                                           uint64_t seed, size_t* tasks_skipped_passing) {
  std::set<const tasks::Task*> in_split(selection.tasks.begin(), selection.tasks.end());
  std::vector<JsonlRecord> records;
  std::vector<const tasks::Task*> task_of;
  std::vector<std::string> task_ids, sample_ids, verdicts;
  for (JsonlRecord& record : ReadArtifact(path, "ilf.results", 1, /*header_required=*/true)) {
    std::string task_id = record.String("task_id");
    const tasks::Task* task = selection.suite.Find(task_id);
    if (task == nullptr) {
      throw Error(record.Where() + ": task_id '" + task_id + "' is not a task of suite '" +
                  selection.suite.name + "' (a results file of another suite?)");
    }
    std::string verdict = record.String("verdict");
    if (!sandbox::ParseVerdict(verdict))
      throw Error(record.Where() + ": unknown verdict '" + verdict + "'");
    if (!record.Has("program")) {
      throw Error(record.Where() +
                  ": no 'program' field (written by an older `ilf eval`; run it again)");
    }
    record.String("program");  // type check, naming file:line
    if (!in_split.count(task)) continue;
    task_ids.push_back(task->task_id);
    sample_ids.push_back(record.String("sample_id"));
    verdicts.push_back(verdict);
    task_of.push_back(task);
    records.push_back(std::move(record));
  }
  std::vector<FeedbackItem> items;
  for (size_t i :
       SelectIncorrect(task_ids, sample_ids, verdicts, per_task, seed, tasks_skipped_passing)) {
    items.push_back({task_of[i], sample_ids[i], records[i].String("program"), records[i]});
  }
  return items;
}

FeedbackStats RunFeedback(const FeedbackOptions& options) {
  if (options.per_task < 1)
    throw Error("--per-task must be at least 1, got " + std::to_string(options.per_task));
  SourceSpec spec = ParseSource(options.source);
  if (options.out_path.empty()) throw Error("--out: give the feedback file to write");
  std::unique_ptr<tasks::SuiteSelection> selection = tasks::SelectSuite(options.suite);
  FeedbackStats stats;
  std::vector<FeedbackRecord> records;
  if (options.results_path.empty()) {
    if (spec.kind != "human") {
      throw Error("--results: required with --source " + spec.kind +
                  " (the results.jsonl of `ilf eval`)");
    }
    // The file's own records are the items, up to per_task per task (seeded, as for results).
    std::vector<FeedbackRecord> all = HumanFeedbackFor(spec.arg, *selection);
    std::vector<std::string> task_ids, sample_ids, verdicts;
    for (const FeedbackRecord& r : all) {
      task_ids.push_back(r.task_id);
      sample_ids.push_back(r.feedback_id);
      verdicts.push_back("FAIL");
    }
    for (size_t i :
         SelectIncorrect(task_ids, sample_ids, verdicts, options.per_task, options.seed)) {
      records.push_back(all[i]);
    }
    stats.items = records.size();
  } else {
    std::vector<FeedbackItem> items =
        ItemsFromResults(options.results_path, *selection, options.per_task, options.seed,
                         &stats.tasks_skipped_passing);
    stats.items = items.size();
    LogInfo("feedback on {} incorrect programs ({} tasks with a passing sample left out)",
            items.size(), stats.tasks_skipped_passing);
    if (spec.kind == "human") {
      records = HumanFileSource(spec.arg).Run(items);
    } else if (spec.kind == "execution") {
      sandbox::SandboxOptions sandbox_options;
      sandbox_options.workers = options.sandbox_workers;
      sandbox_options.allow_weaker = options.allow_weaker_sandbox;
      sandbox::Sandbox sandbox(sandbox_options);
      ExecutionOptions execution;
      execution.max_words = options.max_feedback_tokens;
      records = ExecutionSource(selection->suite, sandbox, execution).Run(items);
    } else {
      if (options.model_source == nullptr) {
        throw EnvironmentError(
            "--source model: this program has no LibTorch (`ilf feedback` runs "
            "it in ilf-torch; a build with -DILF_WITH_TORCH=OFF has none)");
      }
      records = options.model_source(spec.arg, selection->suite, options)->Run(items);
    }
    ILF_CHECK(records.size() == items.size(), "a feedback source must answer every item");
  }
  for (const FeedbackRecord& record : records) stats.errors += !record.ok();
  Json config{{"source", options.source},
              {"suite", options.suite},
              {"results", options.results_path},
              {"per_task", options.per_task},
              {"seed", options.seed},
              {"shots", options.shots},
              {"show_tests", options.show_tests},
              {"temperature", options.temperature},
              {"max_new_tokens", options.max_new_tokens},
              {"max_feedback_tokens", options.max_feedback_tokens}};
  WriteFeedback(options.out_path, records,
                options.config_hash.empty() ? HashJson(config) : options.config_hash);
  stats.written = records.size();
  // A remote model's answers are journaled for a rerun of an interrupted command; not needed now.
  if (spec.kind == "model" && options.remote.journal_path.empty())
    std::filesystem::remove(DefaultRequestJournal(options.out_path));
  return stats;
}

std::string DefaultRequestJournal(const std::string& out_path) {
  return out_path + ".requests.jsonl";
}

}  // namespace ilf::feedback
