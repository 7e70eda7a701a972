#include "feedback/pairs.h"

#include "src/core/error.h"
#include "tasks/prompts.h"

namespace ilf::feedback {

Json Pair::ToJson(const FeedbackRecord& from) const {
  return Json{{"prompt", prompt},
              {"target", target},
              {"task_id", from.task_id},
              {"feedback_id", from.feedback_id}};
}

std::string RefinementTarget(const FeedbackRecord& record, const std::string& initial_prompt) {
  const std::string& refinement = record.refinement;
  if (refinement.empty()) {
    throw Error("feedback '" + record.feedback_id + "' (task " + record.task_id +
                "): no human refinement; training pairs need records with a 'refinement'");
  }
  if (refinement.compare(0, initial_prompt.size(), initial_prompt) == 0) {
    return refinement.substr(initial_prompt.size());
  }
  // The file's own prompt, where it differs from the suite's (the paper's tasks 260 and 679 carry
  // mis-decoded quotes in theirs).
  if (record.provenance.contains("prompt") && record.provenance["prompt"].is_string()) {
    const std::string& own = record.provenance["prompt"].get_ref<const std::string&>();
    if (!own.empty() && refinement.compare(0, own.size(), own) == 0)
      return refinement.substr(own.size());
  }
  if (record.provenance.contains("completion") && record.provenance["completion"].is_string()) {
    return record.provenance["completion"].get<std::string>();
  }
  throw Error("feedback '" + record.feedback_id + "' (task " + record.task_id +
              "): the refinement does not start with the task's prompt and the record has no " +
              "'completion' body to use as the target");
}

Pair MakePair(const FeedbackRecord& record, const std::string& initial_prompt, PairKind kind) {
  Pair pair;
  pair.target = RefinementTarget(record, initial_prompt);
  pair.prompt = kind == PairKind::kRefine
                    ? tasks::RefinementPrompt(record.program, record.feedback, initial_prompt)
                    : initial_prompt;
  return pair;
}

}  // namespace ilf::feedback
