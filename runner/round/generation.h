// Text in, text out through lm::LanguageModel: the model calls of the sample, refine and evaluate
// stages and of `ilf refine`. A generated text ends where the task adapter's OutputEnds says
// (generation of a sample stops there) and is cut by its PostProcess, so no stage needs to know the
// task kind.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runner/round/task_adapter.h"
#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"

namespace ilf::round {

struct Generated {
  int64_t prompt_index = 0;
  int64_t sample_index = 0;  // 0 .. n - 1
  std::string text;          // post-processed
  double logprob = 0;        // of the whole generated token sequence
};

// A loaded model and the tokenizer of its texts. Not copyable.
class TextModel {
 public:
  // Loads `model_dir` with `tokenizer_dir` ("" = the model directory's own tokenizer files).
  TextModel(const std::string& model_dir, const std::string& tokenizer_dir,
            const lm::LoadOptions& load);
  TextModel(const TextModel&) = delete;
  TextModel& operator=(const TextModel&) = delete;

  // n samples per prompt (options.n), sharing one prefill per prompt, seeded by options.seed;
  // ordered by prompt, then sample; each ended by adapter.OutputEnds and cut by its PostProcess.
  // `on_done(finished)` reports progress.
  std::vector<Generated> Generate(const std::vector<std::string>& prompts,
                                  const lm::GenerateOptions& options, const TaskAdapter& adapter,
                                  const std::function<void(int64_t)>& on_done = nullptr);
  // The model and tokenizer as a ModelRef (owned by this TextModel).
  ModelRef Ref() { return {model_.get(), &tokenizer_}; }
  size_t CountTokens(const std::string& text) const { return tokenizer_.Encode(text).size(); }
  lm::LanguageModel& model() { return *model_; }
  const lm::Tokenizer& tokenizer() const { return tokenizer_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string Decode(const std::vector<int64_t>& ids) const;

  std::string dir_;
  lm::Tokenizer tokenizer_;
  std::unique_ptr<lm::LanguageModel> model_;
};

}  // namespace ilf::round
