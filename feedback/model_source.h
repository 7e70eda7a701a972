// Model feedback: an instruction-following model writes feedback on an incorrect program.
//
// The prompt (ModelFeedbackPrompt) follows Chen et al.'s InstructGPT setting: 0, 1 or 2 worked
// examples (shots) of human feedback on *other* tasks, then the task, the incorrect program and,
// by option, its failing tests with their messages, ending at "FEEDBACK:\n". Chat models get it as
// one user message (LanguageModel::Chat: through the tokenizer's chat template in process; as
// messages to /v1/chat/completions for a remote model, which then needs no local tokenizer, so a
// hosted API's chat model can write the feedback). The output is cleaned (CleanModelFeedback): cut
// where the feedback ends (the next section header, a code fence, an end-of-text), echoed program
// lines removed, whitespace trimmed; an empty result becomes a record with `error` set.
// Generation is one engine call over all items, so the same seed gives the same feedback at any
// batch size (the sampler draws by seed, prompt index and step). Torch-free header: the model is
// an lm::LanguageModel.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "feedback/feedback.h"
#include "feedback/run_feedback.h"
#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"
#include "tasks/suite.h"

namespace ilf::feedback {

// One worked example in the prompt: another task's text, program and human feedback.
struct Shot {
  std::string task_text;
  std::string program;
  std::string feedback;
};

// The prompt text (see above). `failures` is "" or the failing-tests section's body.
std::string ModelFeedbackPrompt(const std::string& task_text, const std::string& program,
                                const std::string& failures, const std::vector<Shot>& shots);

// The failing tests of a results record (up to 3: the assert and the message), "" when unknown.
// Throws ilf::Error naming the record's file:line for a malformed "tests" entry.
std::string FailingTestsOf(const tasks::Task& task, const JsonlRecord& result);

// Cleans a model's raw output (see above); "" when nothing usable is left.
std::string CleanModelFeedback(const std::string& raw, const std::string& program);

// `count` shots for `task_id` from `pool`, none of the same task, chosen by a seeded hash
// (deterministic). Records of tasks `suite` does not know are not used.
std::vector<Shot> ChooseShots(const std::vector<FeedbackRecord>& pool, const tasks::Suite& suite,
                              const std::string& task_id, int64_t count, uint64_t seed);

struct ModelSourceOptions {
  int64_t shots = 2;             // worked examples per prompt (0, 1, 2)
  bool show_tests = true;        // include the failing tests and their messages
  bool chat = true;              // use the chat template when the tokenizer has one (a remote
                                 // model without a local tokenizer: the server's chat endpoint)
  double temperature = 0.0;      // 0 = greedy
  int64_t max_new_tokens = 256;  // per feedback
  int64_t batch_rows = 16;       // prompts decoded together
  uint64_t seed = 0;             // sampling seed
  std::string annotator;         // recorded in each record (the model's path)
};

class ModelSource : public FeedbackSource {
 public:
  // `model` and `tokenizer` must outlive the source; `shot_pool` gives the examples. `tokenizer`
  // may be null for a remote model with chat on (Run throws for a plain prompt without one).
  ModelSource(lm::LanguageModel& model, const lm::Tokenizer* tokenizer, const tasks::Suite& suite,
              std::vector<FeedbackRecord> shot_pool, ModelSourceOptions options);
  std::vector<FeedbackRecord> Run(const std::vector<FeedbackItem>& items) override;

 private:
  bool UsesChat() const;

  lm::LanguageModel& model_;
  const lm::Tokenizer* tokenizer_;
  const tasks::Suite& suite_;
  std::vector<FeedbackRecord> shot_pool_;
  ModelSourceOptions options_;
};

// Loads the model (options' device, dtype, threads; for an endpoint options.remote, answers
// journaled in DefaultRequestJournal(out_path) unless remote.journal_path is set) and tokenizer
// (none for an endpoint without options.tokenizer_dir) and the shot pool (options.shots_path or
// the paper's annotations), for RunFeedback.
std::unique_ptr<FeedbackSource> MakeModelSource(const std::string& model_dir,
                                                const tasks::Suite& suite,
                                                const FeedbackOptions& options);

}  // namespace ilf::feedback
