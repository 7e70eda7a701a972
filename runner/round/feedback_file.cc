#include "runner/round/feedback_file.h"

#include <map>

#include "feedback/feedback.h"

namespace ilf::round {

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

std::vector<FeedbackItem> ReadFeedbackItems(const std::string& path) {
  std::vector<FeedbackItem> items;
  for (const feedback::FeedbackRecord& record : feedback::ReadFeedback(path)) {
    items.push_back({record.feedback_id, record.task_id, record.sample_id, record.program,
                     record.ok() ? record.feedback : ""});
  }
  return items;
}

}  // namespace ilf::round
