// CodeAdapter's feedback: feedback/'s RunFeedback (the function behind `ilf feedback`) for model
// and execution feedback on the round's own incorrect programs; for a human file, the file's own
// records of the tasks that need feedback (the paper's setting: people annotated CodeGen's
// programs, and π_Refine refines those); and stage 0's pairs from the same human file.
#include <map>
#include <set>

#include "feedback/feedback.h"
#include "feedback/human_file.h"
#include "feedback/model_source.h"
#include "feedback/pairs.h"
#include "feedback/run_feedback.h"
#include "runner/round/code_adapter.h"
#include "runner/round/feedback_file.h"
#include "src/core/error.h"
#include "tasks/suite.h"

namespace ilf::round {

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
  options.config_hash = request.config_hash;
  options.shots = request.shots;
  options.device = request.load.device;
  options.dtype = request.load.dtype;
  options.threads = request.load.threads;
  options.remote = request.load.remote;  // its journal is the stage's, kept until the stage is done
  options.tokenizer_dir = request.tokenizer;
  options.sandbox_workers = options_.sandbox_workers;
  options.model_source = &feedback::MakeModelSource;
  feedback::RunFeedback(options);
  return ReadFeedback(request.out_path);
}

size_t CodeAdapter::WriteRefinerPairs(const std::string& annotations,
                                      const std::vector<std::string>& task_ids,
                                      const std::string& out_path, const std::string& config_hash) {
  std::set<std::string> wanted(task_ids.begin(), task_ids.end());
  size_t pairs = 0;
  JsonlWriter writer(out_path, ArtifactHeader{"ilf.pairs", 1, config_hash});
  for (const feedback::FeedbackRecord& record : feedback::HumanFeedbackFor(annotations, *suite_)) {
    if (!wanted.empty() && !wanted.count(record.task_id)) continue;
    if (!record.ok() || record.refinement.empty()) continue;
    feedback::Pair pair =
        feedback::MakePair(record, InitialPrompt(record.task_id), feedback::PairKind::kRefine);
    // The prompt as the round's refine stage builds it (old code cut to its token budget).
    pair.prompt = RefinementPrompt(record.task_id, record.program, record.feedback);
    writer.Write(pair.ToJson(record));
    ++pairs;
  }
  writer.Commit();
  return pairs;
}

std::vector<FeedbackItem> CodeAdapter::ReadFeedback(const std::string& path) const {
  std::vector<FeedbackItem> items;
  // feedback::ReadFeedback's reading, keeping each record's file:line for the task id check.
  for (const JsonlRecord& line : ReadArtifact(
           path, feedback::kFeedbackSchema, feedback::kFeedbackVersion, /*header_required=*/true)) {
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
