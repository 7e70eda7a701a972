// Feedback on incorrect programs: the records, and the interface every feedback source implements.
//
// Theory of operation. `ilf eval` leaves results.jsonl (one record per sample: verdict, per-test
// outcomes, the program that ran). RunFeedback (feedback/run_feedback.h) picks incorrect programs
// of tasks that have no passing sample and turns each into a FeedbackItem; a FeedbackSource writes
// one FeedbackRecord per item:
//   - HumanFileSource (human_file.h): feedback a person wrote, from our own ilf.feedback file or
//   the
//     ILF paper's surge_annotations.jsonl read as it is;
//   - `ilf annotate` (runner/cmd_annotate.cc): a person writing feedback in a terminal;
//   - ModelSource (model_source.h): an instruction-following model, 0/1/2-shot;
//   - ExecutionSource (execution.h): no model, what the sandbox saw, written as a reviewer's note.
// An item a source cannot serve (a model's unusable output, no annotation for that program) still
// gets a record: `error` says why and `feedback` is empty. Nothing is silently dropped.
//
// The artifact is JSONL with the versioned header {"ilf_header": {"schema": "ilf.feedback",
// "version": 1, ...}} (src/core/jsonl.h). Torch-free.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/core/jsonl.h"
#include "tasks/task.h"

namespace ilf::feedback {

inline constexpr const char* kFeedbackSchema = "ilf.feedback";
inline constexpr int kFeedbackVersion = 1;

// One piece of feedback on one program (one line of FEEDBACK.jsonl).
struct FeedbackRecord {
  std::string feedback_id;  // unique within a file: "{source}-{task_id}-{sample_id}" by default
  std::string task_id;      // the suite's task id
  std::string sample_id;    // the sample's id in samples/results.jsonl ("original" for the paper's)
  std::string program;      // the incorrect program the feedback is about (whole program)
  std::string feedback;     // the natural-language feedback ("" exactly when `error` is set)
  std::string source;       // "human", "model" or "execution"
  std::string annotator;    // who wrote it: a person's id, a model's path/name, "ilf-execution"
  Json provenance = Json::object();  // what made it: prompt hash, shots, seed, input file:line, ...
  std::string error;                 // why the source could not serve this item ("" when it could)
  std::string refinement;  // a human refinement of the program, when the source has one ("")

  bool ok() const { return error.empty(); }
  Json ToJson() const;
  // Parses one record of an ilf.feedback file. A missing or mistyped field, an unknown `source`,
  // or an empty `feedback` without an `error` throws ilf::Error naming record.Where() and the
  // field.
  static FeedbackRecord FromJson(const JsonlRecord& record);
};

// Reads an ilf.feedback artifact (header required); errors name file:line.
std::vector<FeedbackRecord> ReadFeedback(const std::string& path);
// Writes records atomically under `path` with the ilf.feedback header (config_hash given).
void WriteFeedback(const std::string& path, const std::vector<FeedbackRecord>& records,
                   const std::string& config_hash = "");

// An incorrect program to give feedback on.
struct FeedbackItem {
  const tasks::Task* task = nullptr;  // the task (owned by the suite, outlives the item)
  std::string sample_id;              // the sample's id
  std::string program;                // the whole program as it ran
  std::optional<JsonlRecord> result;  // its results.jsonl record from `ilf eval` (verdict,
                                      // per-test outcomes, detail) when known
};

// Incorrect programs in, feedback records out: exactly one record per item, in item order.
// Implementations throw ilf::Error only for problems with their own inputs (a broken file, a
// model that does not load); an item they cannot serve becomes a record with `error` set.
class FeedbackSource {
 public:
  virtual ~FeedbackSource() = default;
  virtual std::vector<FeedbackRecord> Run(const std::vector<FeedbackItem>& items) = 0;
};

// "{source}-{task_id}-{sample_id}", the default feedback_id.
std::string DefaultFeedbackId(const std::string& source, const std::string& task_id,
                              const std::string& sample_id);

// Field `key` of entry `i` of a results record's "tests" list (`i` must index that list, as
// `ilf feedback --source model:` and `ilf annotate` read it): "" when absent or null. Throws
// ilf::Error naming the record's file:line when the entry is not an object or the field is not a
// string (results files are outside input: a raw nlohmann type_error would name no file).
std::string TestField(const JsonlRecord& result, size_t i, const char* key);

}  // namespace ilf::feedback
