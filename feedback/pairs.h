// Finetuning pairs from human feedback (`ilf pairs`), in the format `ilf finetune` reads
// (src/lm/train/pairs.h: {"prompt", "target"}, schema ilf.pairs).
//
//   refine (π_Refine, as Chen et al. trained it):
//     prompt = OLD CODE:\n{program}\n\nFEEDBACK:\n{feedback}\n\nREFINEMENT:\n{initial prompt}
//   policy (π_θ): prompt = {initial prompt}
// and in both the target is the human refinement after the initial prompt. The initial prompt is
// the suite's prompt of the task (tasks::BuildPrompt; Chen et al.'s for MBPP). The target is the
// refinement after that prompt, or after the file's own prompt (provenance "prompt") where the two
// differ; when it starts with neither (the annotator also edited the prompt region: 12 of the
// paper's 195), the target is the refinement's body as the file gives it (surge `completion`), and
// a record with none of these throws ilf::Error naming it. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "feedback/feedback.h"
#include "tasks/task.h"

namespace ilf::feedback {

enum class PairKind { kRefine, kPolicy };

struct Pair {
  std::string prompt;
  std::string target;
  Json ToJson(const FeedbackRecord& from) const;  // {"prompt", "target", "task_id", "feedback_id"}
};

// The human refinement as a continuation of `initial_prompt` (see above).
std::string RefinementTarget(const FeedbackRecord& record, const std::string& initial_prompt);

Pair MakePair(const FeedbackRecord& record, const std::string& initial_prompt, PairKind kind);

}  // namespace ilf::feedback
