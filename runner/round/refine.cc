#include "runner/round/refine.h"

namespace ilf::round {

std::vector<Output> Refine(TaskAdapter& adapter, TextModel& model,
                           const std::vector<FeedbackItem>& items,
                           const lm::GenerateOptions& options,
                           const std::function<void(int64_t)>& on_done, size_t* skipped) {
  std::vector<const FeedbackItem*> usable;
  std::vector<std::string> prompts;
  for (const FeedbackItem& item : items) {
    if (item.feedback.empty()) continue;
    usable.push_back(&item);
    prompts.push_back(adapter.RefinementPrompt(item.task_id, item.program, item.feedback));
  }
  if (skipped != nullptr) *skipped = items.size() - usable.size();
  std::vector<Output> outputs;
  if (prompts.empty()) return outputs;
  for (const Generated& g : model.Generate(prompts, options, adapter, on_done)) {
    const FeedbackItem& item = *usable[g.prompt_index];
    Output output;
    output.task_id = item.task_id;
    output.sample_id = item.feedback_id + "#" + std::to_string(g.sample_index);
    output.completion = g.text;
    output.logprob = g.logprob;
    output.parent_sample_id = item.sample_id;
    output.feedback_id = item.feedback_id;
    outputs.push_back(std::move(output));
  }
  return outputs;
}

}  // namespace ilf::round
