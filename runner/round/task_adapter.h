// TaskAdapter: what a task kind (code, summarization, ...) supplies to an ILF round, so that the
// stages of runner/round/ never branch on the task kind.
//
// Theory of operation. A round (runner/round/round.h) is a list of stages; each stage reads the
// artifacts of earlier stages, calls the model through lm::LanguageModel and the task kind through
// this interface, and writes its own artifact. The adapter answers five questions:
//   1. prompts: the initial prompt of a task, and the refinement prompt of (task, old output,
//      feedback); and how a generated text is cut (PostProcess);
//   2. checking: which outputs are correct (code: the task's unit tests in the sandbox);
//   3. feedback: natural-language feedback on incorrect outputs (code: feedback/'s sources);
//   4. selection: at most one refinement per task to finetune on (code: a passing one, chosen by
//      the configured rule);
//   5. evaluation: the metrics of a model's samples on held-out tasks (code: pass@k;
//      summarization: ROUGE-L and a judge's win rate against the reference).
// Everything crosses as plain records (Output, Check, Selection) that the stages write to JSONL.
// Models an adapter asks itself (a selector's scorer, a win-rate judge) come as ModelLoaders: the
// stage loads one only when the adapter calls it.
// Adapters are created by MakeTaskAdapter (runner/round/adapters.h) from the round config's
// "task" field; a test may define its own.
//
// Thread safety: one call at a time per adapter.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/core/jsonl.h"
#include "src/lm/language_model.h"  // LoadOptions: plain structs, no LibTorch

namespace ilf::round {

// A generated output: an initial sample or a refinement (one line of samples.jsonl /
// refinements.jsonl; `completion` is what `ilf eval` scores).
struct Output {
  std::string task_id;
  std::string sample_id;         // unique within its artifact ("3", "r:3:0:5")
  std::string completion;        // post-processed text
  double logprob = 0;            // sum of the completion's token log-probs (temperature 1)
  std::string parent_sample_id;  // refinements: the output the feedback was about ("" otherwise)
  std::string feedback_id;       // refinements: the feedback item refined ("" otherwise)
  Json ToJson() const;
  static Output FromRecord(const JsonlRecord& record);  // throws ilf::Error naming file:line
};

// Whether an output is correct, and why not.
struct Check {
  std::string task_id;
  std::string sample_id;
  bool passed = false;
  std::string verdict;  // the adapter's word for it: "PASS", "FAIL", ... (code: sandbox verdicts)
  double score = 0;     // adapter-defined quality in [0, 1] (code: share of tests passed)
  Json detail;          // adapter-defined record (code: the sandbox result)
  Json ToJson() const;
  static Check FromRecord(const JsonlRecord& record);
};

// One feedback item: the input of the refinement stage (feedback/'s records carry more fields).
struct FeedbackItem {
  std::string feedback_id;
  std::string task_id;
  std::string sample_id;  // the output the feedback is about
  std::string program;    // that output's text (the old program / summary)
  std::string feedback;   // natural language; "" when the source could not serve the item
};

// A refinement chosen for finetuning: the pair (initial prompt of the task -> target).
struct Selection {
  std::string task_id;
  std::string sample_id;  // the refinement's sample_id
  std::string prompt;     // the task's initial prompt
  std::string target;     // the refinement's completion
  Json ToJson() const;    // {"prompt", "target", "task_id", "sample_id"}: what `ilf finetune` reads
};

// What the feedback stage asks of an adapter.
struct FeedbackRequest {
  std::string samples_path;  // samples.jsonl of the round (Output records)
  std::string checks_path;   // checks of those samples (Check records)
  std::string out_path;      // feedback JSONL to write atomically
  std::string source;        // "execution", "human:FILE", "model:DIR"
  int64_t per_task = 1;      // incorrect outputs per task that gets feedback, at most
  int64_t shots = 1;         // model feedback: examples in its prompt
  uint64_t seed = 0;         // which incorrect outputs are chosen
  lm::LoadOptions load;      // model feedback: how the feedback model loads (device, dtype,
                             // threads; an endpoint's name, settings and request journal)
  std::string tokenizer;     // model feedback: tokenizer directory ("" = the model's own)
  std::string config_hash;   // written into the artifact's header
};

// A loaded model and its tokenizer, owned by whoever handed it out (alive for the stage).
struct ModelRef {
  lm::LanguageModel* model = nullptr;
  const lm::Tokenizer* tokenizer = nullptr;
};
// Loads a model on its first call and returns the same one after; throws ilf::Error when it
// cannot. Empty (no function) when the round has no such model.
using ModelLoader = std::function<ModelRef()>;

// What the selection stage asks of an adapter.
struct SelectRequest {
  std::string rule = "random";  // "random" (seeded), "shortest", "most_likely", or adapter-defined
  uint64_t seed = 0;            // for "random"
  std::vector<FeedbackItem> feedback;  // the round's feedback items (refinements name theirs)
  ModelLoader scorer;                  // a model for selectors that ask one (InstructRM, ...)
};

// What the evaluation stages ask of an adapter.
struct EvalRequest {
  std::vector<int64_t> ks = {1, 10};  // pass@k values asked for (adapters without pass@k ignore)
  ModelLoader judge;                  // a model for metrics that ask one (a win-rate judge)
};

class TaskAdapter {
 public:
  virtual ~TaskAdapter() = default;
  // "code", "summarization", ...
  virtual std::string kind() const = 0;
  // Task ids of a split, in order; `limit` > 0 keeps the first `limit`. Throws ilf::Error for an
  // unknown split.
  virtual std::vector<std::string> TaskIds(const std::string& split, int64_t limit) const = 0;
  // The prompt the policy continues to write a task's initial output.
  virtual std::string InitialPrompt(const std::string& task_id) const = 0;
  // The prompt π_Refine continues to refine `old_output` given `feedback`.
  virtual std::string RefinementPrompt(const std::string& task_id, const std::string& old_output,
                                       const std::string& feedback) const = 0;
  // `text` generated after a prompt, cut where the output ends (code: Chen et al.'s rule).
  virtual std::string PostProcess(const std::string& text) const = 0;
  // Whether generation can stop: `text`, generated so far, already holds a whole output. By
  // default: PostProcess would cut it (code: a new top-level statement began).
  virtual bool OutputEnds(const std::string& text) const {
    return PostProcess(text).size() < text.size();
  }
  // Checks outputs; one Check per output, in order.
  virtual std::vector<Check> CheckOutputs(const std::vector<Output>& outputs) = 0;
  // Writes feedback on incorrect outputs to request.out_path; returns the items written.
  virtual std::vector<FeedbackItem> WriteFeedback(const FeedbackRequest& request) = 0;
  // Reads a feedback file written by WriteFeedback (or given by a user). Throws ilf::Error naming
  // file:line for a broken record or one whose task is not in the suite.
  virtual std::vector<FeedbackItem> ReadFeedback(const std::string& path) const = 0;
  // At most one refinement per task; `checks[i]` is the check of `refinements[i]`.
  virtual std::vector<Selection> Select(const std::vector<Output>& refinements,
                                        const std::vector<Check>& checks,
                                        const SelectRequest& request) = 0;
  // Stage 0's data: π_Refine's finetuning pairs (refinement prompt as RefinementPrompt builds it ->
  // the annotated refinement) from the annotations file `annotations`, restricted to `task_ids`
  // (empty = all), written to `out_path` as an ilf.pairs artifact. Returns the pairs written.
  // By default a task kind has no refiner training: ilf::Error.
  virtual size_t WriteRefinerPairs(const std::string& annotations,
                                   const std::vector<std::string>& task_ids,
                                   const std::string& out_path, const std::string& config_hash);
  // Metrics of samples on held-out tasks (code: {"pass@1": …, "pass@10": …, "tasks", "samples"}),
  // `checks[i]` the check of `samples[i]`. The object's "headline" lists the metrics a round
  // table and `ilf report` show (code: the pass@k names; see HeadlineMetrics in round_table.h).
  virtual Json Evaluate(const std::vector<Output>& samples, const std::vector<Check>& checks,
                        const EvalRequest& request) = 0;
};

}  // namespace ilf::round
