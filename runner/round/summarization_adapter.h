// SummarizationAdapter: the TaskAdapter of SLF5K-style summarization (Scheurer et al. 2023's ILF
// for summaries), on the items of tasks/summarization/suite.h.
//   prompts:    the paper's initial summary prompt ("... TL;DR:") and refinement prompt
//               ("... Feedback on summary: {feedback}\n\nImproved TL;DR:"); a generated summary
//               ends with its first line and is cleaned as the paper's post_process_summaries;
//   checks:     ROUGE-L F (rouge-score's rougeL, stemmed) against the item's reference summary as
//               the score; a summary never "passes" (every item gets feedback, as in the paper);
//   feedback:   "file": the item's own `feedback`, about its `generated_summary_for_feedback` (the
//               paper's setting: people wrote feedback on those summaries, and π_Refine refines
//               them); "model:DIR": a model asked FeedbackPrompt on up to m of the round's own
//               summaries per item, chosen as feedback/'s SelectIncorrect chooses programs;
//   selection:  best-of-N per feedback item by "instructrm" (the five-prompt ensemble, asked of
//               the round's scorer model) or "embedding" (cosine of feedback and refinement), or
//               the generic rules ("random", "shortest", "most_likely"); per task the item whose
//               chosen refinement scored highest; the pair is (initial prompt -> " " + summary);
//   evaluation: mean ROUGE-L against the reference, and the win rate against the reference judged
//               by the round's judge model with the comparison prompt in both orders (judge.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runner/round/task_adapter.h"
#include "src/lm/language_model.h"
#include "tasks/summarization/suite.h"

namespace ilf::round {

struct SummarizationAdapterOptions {
  std::string suite;  // SLF5K-style JSONL (".gz" too), or a directory of split files
                      // (train.jsonl, test.jsonl, ...: an item's split defaults to its file's name)
  std::string tokenizer;                 // the feedback model's tokenizer ("" = its own)
  lm::LoadOptions load;                  // how the feedback model loads (device, dtype, threads)
  int64_t feedback_max_new_tokens = 64;  // model feedback: length bound, tokens (greedy)
  int64_t batch_rows = 64;               // model feedback: prompts decoded together
  std::string selection;        // the round's selection rule, checked up front ("" = unchecked)
  std::string feedback_source;  // the round's feedback source, checked up front ("" = unchecked)
};

// Throws ilf::Error naming config 'feedback.source' and the known summary sources ("file",
// "model:DIR") for another.
void RequireFeedbackSource(const std::string& source);

class SummarizationAdapter : public TaskAdapter {
 public:
  // Loads the suite; throws ilf::Error naming file:line for a malformed item or a repeated id, and
  // naming the config field for a selection rule or feedback source it does not know.
  explicit SummarizationAdapter(SummarizationAdapterOptions options);

  std::string kind() const override { return "summarization"; }
  std::vector<std::string> TaskIds(const std::string& split, int64_t limit) const override;
  std::string InitialPrompt(const std::string& task_id) const override;
  std::string RefinementPrompt(const std::string& task_id, const std::string& old_output,
                               const std::string& feedback) const override;
  std::string PostProcess(const std::string& text) const override;
  bool OutputEnds(const std::string& text) const override;
  std::vector<Check> CheckOutputs(const std::vector<Output>& outputs) override;
  std::vector<FeedbackItem> WriteFeedback(const FeedbackRequest& request) override;
  std::vector<FeedbackItem> ReadFeedback(const std::string& path) const override;
  std::vector<Selection> Select(const std::vector<Output>& refinements,
                                const std::vector<Check>& checks,
                                const SelectRequest& request) override;
  Json Evaluate(const std::vector<Output>& samples, const std::vector<Check>& checks,
                const EvalRequest& request) override;

  // The item of a task id; throws ilf::Error naming the suite for an unknown one.
  const tasks::summarization::SummaryItem& ItemOf(const std::string& task_id) const;

 private:
  std::vector<FeedbackItem> WriteFileFeedback(const FeedbackRequest& request);
  std::vector<FeedbackItem> WriteModelFeedback(const FeedbackRequest& request,
                                               const std::string& model_dir);

  SummarizationAdapterOptions options_;
  std::vector<tasks::summarization::SummaryItem> items_;
  std::map<std::string, size_t> index_;  // task id -> items_ index
};

}  // namespace ilf::round
