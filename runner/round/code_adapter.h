// CodeAdapter: the TaskAdapter of MBPP-style code tasks (Chen et al.'s ILF for code).
//   prompts: the suite's prompt (tasks/prompts.h, Chen et al.'s by default); the refinement prompt
//            OLD CODE/FEEDBACK/REFINEMENT with the old program cut to `old_code_max_tokens` at a
//            line boundary; completions cut by Chen et al.'s rule (src/code/truncate.h);
//   checks:  the task's unit tests in the sandbox (tasks/evaluation.h), a check per sample whose
//            record is `ilf eval`'s results.jsonl line;
//   feedback: feedback/'s sources (execution, human file, model);
//   selection: a passing refinement per task by ChooseCandidate's rule;
//   evaluation: unbiased pass@k.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runner/round/task_adapter.h"

namespace ilf::tasks {
struct SuiteSelection;
struct Task;
}  // namespace ilf::tasks
namespace ilf::sandbox {
class Sandbox;
}

namespace ilf::round {

struct CodeAdapterOptions {
  std::string suite = "mbpp";         // NAME or MANIFEST.json (all of its tasks are reachable)
  int sandbox_workers = 0;            // sandbox helpers; 0 = one per core (started on first use)
  int64_t old_code_max_tokens = 512;  // old program budget in refinement prompts (paper: 512)
  // Token count of a text (the refiner's tokenizer); null = count bytes.
  std::function<size_t(const std::string&)> count_tokens;
};

class CodeAdapter : public TaskAdapter {
 public:
  explicit CodeAdapter(CodeAdapterOptions options);
  ~CodeAdapter() override;

  std::string kind() const override { return "code"; }
  std::vector<std::string> TaskIds(const std::string& split, int64_t limit) const override;
  std::string InitialPrompt(const std::string& task_id) const override;
  std::string RefinementPrompt(const std::string& task_id, const std::string& old_output,
                               const std::string& feedback) const override;
  std::string PostProcess(const std::string& text) const override;
  std::vector<Check> CheckOutputs(const std::vector<Output>& outputs) override;
  std::vector<FeedbackItem> WriteFeedback(const FeedbackRequest& request) override;
  std::vector<FeedbackItem> ReadFeedback(const std::string& path) const override;
  // Pairs from a human file (ours or surge_annotations.jsonl) with refinements.
  size_t WriteRefinerPairs(const std::string& annotations, const std::vector<std::string>& task_ids,
                           const std::string& out_path, const std::string& config_hash) override;
  std::vector<Selection> Select(const std::vector<Output>& refinements,
                                const std::vector<Check>& checks,
                                const SelectRequest& request) override;
  Json Evaluate(const std::vector<Output>& samples, const std::vector<Check>& checks,
                const EvalRequest& request) override;

 private:
  const tasks::Task& TaskOf(const std::string& task_id) const;

  CodeAdapterOptions options_;
  std::unique_ptr<tasks::SuiteSelection> suite_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;  // started on the first CheckOutputs
};

}  // namespace ilf::round
