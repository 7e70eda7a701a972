// ServeBatcher: the one thread that runs a LanguageModel for `ilf serve`, batching concurrent
// requests into one forward pass.
//
// Theory of operation. HTTP threads call Generate/Score, which queue a job and block until the
// model thread answers it. The model thread takes the oldest job and every queued job compatible
// with it (same n, temperature, top_k, top_p, end-of-text handling) up to max_batch_rows rows
// (prompts x n), and runs ONE LanguageModel::Generate over all their prompts, with each prompt's
// own seed (prompt_seeds) and the longest max_tokens of the group; a shorter request's limit and
// its stop strings end its rows through the StopFn. Score jobs queued together run as one Score
// call, embedding jobs as one MeanHiddenStates call. Because generation draws from (prompt seed,
// sample, step) and left-padded rows compute what they would alone, a request gets the same answer
// whatever it is batched with. While a batch runs, new requests queue and form the next batch. When
// a merged batch fails (a bad prompt), its jobs are rerun one by one so only the bad request gets
// the error.
//
// Thread safety: Generate and Score may be called from any number of threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"

namespace ilf::lm {

// One request's generation: its prompts and options (options.max_new_tokens is its own limit).
struct GenerateJobSpec {
  std::vector<std::vector<int64_t>> prompts;  // token ids, at least one token each
  GenerateOptions options;                    // prompt_seeds: one per prompt
  std::vector<std::string> stop;              // stop strings, matched in the decoded completion
};

struct BatcherStats {
  int64_t batches = 0;   // Generate calls run
  int64_t rows = 0;      // prompt x sample rows generated
  int64_t max_rows = 0;  // the largest batch
};

class ServeBatcher {
 public:
  // `model` and `tokenizer` must outlive the batcher; the tokenizer decodes for stop strings.
  ServeBatcher(LanguageModel& model, const Tokenizer& tokenizer, int64_t max_batch_rows);
  ~ServeBatcher();  // finishes queued jobs, then joins the model thread
  ServeBatcher(const ServeBatcher&) = delete;
  ServeBatcher& operator=(const ServeBatcher&) = delete;

  // Blocks until the job ran; samples ordered by prompt, then sample. Rethrows the model's error.
  std::vector<Sample> Generate(GenerateJobSpec spec);
  // Blocks until scored.
  std::vector<ScoreResult> Score(std::vector<ScoreRequest> requests);
  // Blocks until embedded: each sequence's mean final hidden states (MeanHiddenStates).
  std::vector<std::vector<double>> Embed(std::vector<std::vector<int64_t>> sequences);
  BatcherStats stats() const;

 private:
  struct Job;
  void Loop();
  std::vector<std::shared_ptr<Job>> TakeBatch();  // with mutex_ held
  void RunGenerate(const std::vector<std::shared_ptr<Job>>& jobs);
  void RunScore(const std::vector<std::shared_ptr<Job>>& jobs);
  void RunEmbed(const std::vector<std::shared_ptr<Job>>& jobs);
  void Enqueue(std::shared_ptr<Job> job);

  LanguageModel& model_;
  const Tokenizer& tokenizer_;
  const int64_t max_batch_rows_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  BatcherStats stats_;
  std::thread thread_;  // last: started after everything above exists
};

// The completion text of `ids`: ids the tokenizer lacks (a model's padded embedding rows) decode
// to nothing; the text ends before the first of `stop` (OpenAI's rule). `stopped` (optional) tells
// whether a stop string cut it. With `skip_special`, special tokens are left out (chat replies).
std::string CompletionText(const Tokenizer& tokenizer, const std::vector<int64_t>& ids,
                           const std::vector<std::string>& stop, bool* stopped = nullptr,
                           bool skip_special = false);

}  // namespace ilf::lm
