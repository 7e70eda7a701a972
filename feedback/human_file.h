// Human feedback from a file: our own ilf.feedback artifact, or the ILF paper's
// surge_annotations.jsonl (Chen et al. 2023) read as it is.
//
// A surge record {task_id, prompt, Feedback, original_model_completion,
// unedited_annotator_completion, completion, test, result, passed, refinement_edit_distance,
// worker_id} becomes a FeedbackRecord with
//   feedback_id "human-{task_id}-original", sample_id "original", program =
//   original_model_completion (the prompt plus CodeGen's incorrect completion), feedback =
//   Feedback (byte for byte, "\r\n" kept), annotator = worker_id (or "surge" when null),
//   refinement = unedited_annotator_completion, and provenance {format: "surge_annotations", file,
//   line, prompt, completion, refinement_edit_distance}: every field the paper's pipeline uses.
// The format is recognised per file: an ilf_header record means ours; `Feedback` plus
// `original_model_completion` on the first record means the paper's. Anything else, an empty
// Feedback, or a duplicate feedback_id throws ilf::Error naming file:line.
#pragma once

#include <string>
#include <vector>

#include "feedback/feedback.h"
#include "tasks/suite.h"

namespace ilf::feedback {

// Reads either format (see above). Records keep the file's task ids (as strings).
std::vector<FeedbackRecord> ReadHumanFeedback(const std::string& path);

// The records of `path` whose task lies in `selection`'s split, with task_id spelled as the suite
// spells it. A task id the suite does not know throws ilf::Error naming file:line (a file of
// another suite). `skipped` counts records of tasks outside the split.
std::vector<FeedbackRecord> HumanFeedbackFor(const std::string& path,
                                             const tasks::SuiteSelection& selection,
                                             size_t* skipped = nullptr);

// Serves items from a human feedback file: an item gets the record with its (task_id, sample_id),
// else one whose program is the same text; an item with none gets a record whose `error` says so.
class HumanFileSource : public FeedbackSource {
 public:
  explicit HumanFileSource(std::string path);
  std::vector<FeedbackRecord> Run(const std::vector<FeedbackItem>& items) override;

 private:
  std::string path_;
  std::vector<FeedbackRecord> records_;
};

}  // namespace ilf::feedback
