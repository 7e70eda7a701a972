#include "feedback/feedback.h"

#include "src/core/error.h"

namespace ilf::feedback {
namespace {

bool KnownSource(const std::string& source) {
  return source == "human" || source == "model" || source == "execution";
}

}  // namespace

std::string DefaultFeedbackId(const std::string& source, const std::string& task_id,
                              const std::string& sample_id) {
  return source + "-" + task_id + "-" + sample_id;
}

Json FeedbackRecord::ToJson() const {
  Json json{{"feedback_id", feedback_id}, {"task_id", task_id},      {"sample_id", sample_id},
            {"program", program},         {"feedback", feedback},    {"source", source},
            {"annotator", annotator},     {"provenance", provenance}};
  if (!error.empty()) json["error"] = error;
  if (!refinement.empty()) json["refinement"] = refinement;
  return json;
}

FeedbackRecord FeedbackRecord::FromJson(const JsonlRecord& record) {
  FeedbackRecord out;
  out.feedback_id = record.String("feedback_id");
  // Task ids are strings in ilf artifacts; numbers (MBPP's own files) are accepted as written.
  const Json& task_id = record.Field("task_id");
  out.task_id = task_id.is_number_integer() ? std::to_string(task_id.get<int64_t>())
                                            : record.String("task_id");
  out.sample_id = record.String("sample_id");
  out.program = record.String("program");
  out.feedback = record.String("feedback");
  out.source = record.String("source");
  out.annotator = record.Has("annotator") ? record.String("annotator") : "";
  if (record.Has("provenance")) {
    out.provenance = record.Field("provenance");
    if (!out.provenance.is_object()) {
      throw Error(record.Where() + ": field 'provenance' must be an object, got " +
                  out.provenance.dump());
    }
  }
  out.error = record.Has("error") ? record.String("error") : "";
  out.refinement = record.Has("refinement") ? record.String("refinement") : "";
  if (!KnownSource(out.source)) {
    throw Error(record.Where() + ": field 'source' is '" + out.source +
                "', expected one of human, model, execution");
  }
  if (out.feedback_id.empty()) throw Error(record.Where() + ": field 'feedback_id' is empty");
  if (out.task_id.empty()) throw Error(record.Where() + ": field 'task_id' is empty");
  if (out.error.empty() && out.feedback.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(record.Where() + ": field 'feedback' is empty and no 'error' says why " +
                "(a record a source could not serve carries its reason in 'error')");
  }
  if (!out.error.empty() && !out.feedback.empty()) {
    throw Error(record.Where() + ": a record with an 'error' must have an empty 'feedback'");
  }
  return out;
}

std::vector<FeedbackRecord> ReadFeedback(const std::string& path) {
  std::vector<FeedbackRecord> records;
  for (const JsonlRecord& record :
       ReadArtifact(path, kFeedbackSchema, kFeedbackVersion, /*header_required=*/true)) {
    records.push_back(FeedbackRecord::FromJson(record));
  }
  return records;
}

void WriteFeedback(const std::string& path, const std::vector<FeedbackRecord>& records,
                   const std::string& config_hash) {
  JsonlWriter writer(path, ArtifactHeader{kFeedbackSchema, kFeedbackVersion, config_hash});
  for (const FeedbackRecord& record : records) writer.Write(record.ToJson());
  writer.Commit();
}

std::string TestField(const JsonlRecord& result, size_t i, const char* key) {
  const Json& test = result.value["tests"][i];
  std::string where = result.Where() + ": 'tests[" + std::to_string(i) + "]";
  if (!test.is_object())
    throw Error(where + "' must be an object, got " + test.dump().substr(0, 80));
  auto it = test.find(key);
  if (it == test.end() || it->is_null()) return "";
  if (!it->is_string())
    throw Error(where + "." + key + "' must be a string, got " + it->dump().substr(0, 80));
  return it->get<std::string>();
}

}  // namespace ilf::feedback
