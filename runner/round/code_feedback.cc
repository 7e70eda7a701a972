// CodeAdapter's feedback: feedback/'s RunFeedback (the function behind `ilf feedback`) for model
// and execution feedback on the round's own incorrect programs; for a human file, the file's own
// records of the tasks that need feedback (the paper's setting: people annotated CodeGen's
// programs, and π_Refine refines those).
#include <map>
#include <set>

#include "feedback/feedback.h"
#include "feedback/human_file.h"
#include "feedback/model_source.h"
#include "feedback/run_feedback.h"
#include "runner/round/code_adapter.h"
#include "src/core/error.h"
#include "tasks/suite.h"

namespace ilf::round {
namespace {

// Tasks of a checks file without a correct output.
std::set<std::string> TasksNeedingFeedback(const std::string& checks_path) {
  std::map<std::string, bool> solved;
  for (const JsonlRecord& record : ReadArtifact(checks_path, "ilf.results", 1)) {
    Check check = Check::FromRecord(record);
    solved[check.task_id] = solved[check.task_id] || check.passed;
  }
  std::set<std::string> out;
  for (const auto& [task_id, ok] : solved) {
    if (!ok) out.insert(task_id);
  }
  return out;
}

}  // namespace

std::vector<FeedbackItem> CodeAdapter::WriteFeedback(const FeedbackRequest& request) {
  const std::string human = "human:";
  if (request.source.rfind(human, 0) == 0) {
    std::set<std::string> needing = TasksNeedingFeedback(request.checks_path);
    std::map<std::string, int64_t> per_task;
    std::vector<feedback::FeedbackRecord> kept;
    for (feedback::FeedbackRecord& record :
         feedback::HumanFeedbackFor(request.source.substr(human.size()), *suite_)) {
      if (!needing.count(record.task_id)) continue;
      if (per_task[record.task_id]++ >= request.per_task) continue;
      kept.push_back(std::move(record));
    }
    feedback::WriteFeedback(request.out_path, kept, request.config_hash);
    return ReadFeedback(request.out_path);
  }
  feedback::FeedbackOptions options;
  options.source = request.source;
  options.suite = options_.suite;
  options.results_path = request.checks_path;
  options.per_task = request.per_task;
  options.seed = request.seed;
  options.out_path = request.out_path;
  options.shots = request.shots;
  options.device = request.device;
  options.sandbox_workers = options_.sandbox_workers;
  options.model_source = &feedback::MakeModelSource;
  feedback::RunFeedback(options);
  return ReadFeedback(request.out_path);
}

std::vector<FeedbackItem> CodeAdapter::ReadFeedback(const std::string& path) const {
  std::vector<FeedbackItem> items;
  // feedback::ReadFeedback's reading, keeping each record's file:line for the task id check.
  for (const JsonlRecord& line : ReadArtifact(path, feedback::kFeedbackSchema,
                                              feedback::kFeedbackVersion, /*header_required=*/true)) {
    feedback::FeedbackRecord record = feedback::FeedbackRecord::FromJson(line);
    if (suite_->suite.Find(record.task_id) == nullptr) {
      throw Error(line.Where() + ": task_id '" + record.task_id + "' is not a task of suite '" +
                  suite_->suite.name + "' (a feedback file of another suite?)");
    }
    items.push_back({record.feedback_id, record.task_id, record.sample_id, record.program,
                     record.ok() ? record.feedback : ""});
  }
  return items;
}

}  // namespace ilf::round
