#include "feedback/human_file.h"

#include <map>
#include <set>

#include "src/core/error.h"

namespace ilf::feedback {
namespace {

bool IsSurge(const JsonlRecord& record) {
  return record.value.contains("Feedback") && record.value.contains("original_model_completion");
}

std::string TaskIdOf(const JsonlRecord& record) {
  const Json& id = record.Field("task_id");
  return id.is_number_integer() ? std::to_string(id.get<int64_t>()) : record.String("task_id");
}

FeedbackRecord FromSurge(const JsonlRecord& record) {
  FeedbackRecord out;
  out.task_id = TaskIdOf(record);
  out.sample_id = "original";
  out.feedback_id = DefaultFeedbackId("human", out.task_id, out.sample_id);
  out.program = record.String("original_model_completion");
  out.feedback = record.String("Feedback");
  out.source = "human";
  out.annotator = record.Has("worker_id") ? record.String("worker_id") : "surge";
  out.refinement = record.String("unedited_annotator_completion");
  out.provenance = {{"format", "surge_annotations"},
                    {"file", record.file},
                    {"line", record.line},
                    {"prompt", record.String("prompt")}};
  if (record.Has("completion")) out.provenance["completion"] = record.String("completion");
  if (record.Has("refinement_edit_distance")) {
    out.provenance["refinement_edit_distance"] = record.Number("refinement_edit_distance");
  }
  if (out.feedback.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(record.Where() + ": field 'Feedback' is empty (every annotation needs feedback)");
  }
  if (out.program.empty()) {
    throw Error(record.Where() + ": field 'original_model_completion' is empty");
  }
  return out;
}

}  // namespace

std::vector<FeedbackRecord> ReadHumanFeedback(const std::string& path) {
  std::optional<ArtifactHeader> header;
  std::vector<JsonlRecord> lines = ReadArtifact(path, kFeedbackSchema, kFeedbackVersion,
                                                /*header_required=*/false, &header);
  bool surge = !header && !lines.empty() && IsSurge(lines.front());
  if (!header && !surge) {
    throw Error(path +
                ": neither an ilf.feedback file (no ilf_header record) nor the ILF paper's " +
                "surge_annotations.jsonl (no 'Feedback' and 'original_model_completion' fields" +
                (lines.empty() ? std::string(": the file is empty")
                               : " on line " + std::to_string(lines.front().line)) +
                ")");
  }
  std::vector<FeedbackRecord> records;
  std::map<std::string, std::string> seen;  // feedback_id -> where first seen
  for (const JsonlRecord& line : lines) {
    FeedbackRecord record = surge ? FromSurge(line) : FeedbackRecord::FromJson(line);
    auto [it, fresh] = seen.emplace(record.feedback_id, line.Where());
    if (!fresh) {
      throw Error(line.Where() + ": feedback_id '" + record.feedback_id + "' was already used at " +
                  it->second);
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<FeedbackRecord> HumanFeedbackFor(const std::string& path,
                                             const tasks::SuiteSelection& selection,
                                             size_t* skipped) {
  std::set<const tasks::Task*> in_split(selection.tasks.begin(), selection.tasks.end());
  std::vector<FeedbackRecord> out;
  size_t outside = 0;
  for (FeedbackRecord& record : ReadHumanFeedback(path)) {
    const tasks::Task* task = selection.suite.Find(record.task_id);
    if (task == nullptr) {
      std::string where = record.provenance.contains("line")
                              ? path + ":" + record.provenance["line"].dump()
                              : path + " (feedback_id " + record.feedback_id + ")";
      throw Error(where + ": task_id '" + record.task_id + "' is not a task of suite '" +
                  selection.suite.name + "' (a feedback file of another suite?)");
    }
    if (!in_split.count(task)) {
      ++outside;
      continue;
    }
    record.task_id = task->task_id;
    out.push_back(std::move(record));
  }
  if (skipped != nullptr) *skipped = outside;
  return out;
}

HumanFileSource::HumanFileSource(std::string path)
    : path_(std::move(path)), records_(ReadHumanFeedback(path_)) {}

std::vector<FeedbackRecord> HumanFileSource::Run(const std::vector<FeedbackItem>& items) {
  std::map<std::pair<std::string, std::string>, const FeedbackRecord*> by_sample;
  std::map<std::pair<std::string, std::string>, const FeedbackRecord*> by_program;
  for (const FeedbackRecord& record : records_) {
    by_sample.emplace(std::make_pair(record.task_id, record.sample_id), &record);
    by_program.emplace(std::make_pair(record.task_id, record.program), &record);
  }
  std::vector<FeedbackRecord> out;
  for (const FeedbackItem& item : items) {
    // The file may spell the id differently ("Mbpp/11" vs "11"); compare the suite's spelling and
    // the numeric form.
    std::vector<std::string> ids = {item.task->task_id};
    if (item.task->number) ids.push_back(std::to_string(*item.task->number));
    const FeedbackRecord* found = nullptr;
    for (const std::string& id : ids) {
      if (found == nullptr && by_sample.count({id, item.sample_id}))
        found = by_sample[{id, item.sample_id}];
      if (found == nullptr && by_program.count({id, item.program}))
        found = by_program[{id, item.program}];
    }
    FeedbackRecord record;
    if (found != nullptr) {
      record = *found;
    } else {
      record.feedback_id = DefaultFeedbackId("human", item.task->task_id, item.sample_id);
      record.source = "human";
      record.error = "no human feedback for this program in " + path_;
      record.provenance = {{"file", path_}};
    }
    record.task_id = item.task->task_id;
    record.sample_id = item.sample_id;
    record.program = item.program;
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace ilf::feedback
