// Batched generation with a preallocated KV cache.
//
// Theory of operation. Prompts are sorted by length and decoded in batches of at most
// max_batch_rows rows (prompt x sample). A batch is left-padded to its longest prompt; the padding
// is masked out of attention and positions are cumsum(mask) - 1, so each row computes what it
// would alone. ONE prefill runs per prompt; its cache, last logits and mask are then repeated for
// the n samples. Each step picks one token per row (src/lm/token_picker.h; greedy or sampled with
// counter-based draws keyed by (PromptSeed(seed, prompt index), sample index, step), so a row's
// draws do not depend on batching; its logits may, in their last bits: README, "Batch
// invariance"), appends it, and stops a row on an end-of-text id, on the stop callback, or at
// max_new_tokens. Finished rows are dropped from the batch so the remaining rows decode faster.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/lm/causal_lm.h"
#include "src/lm/generation_stats.h"
#include "src/lm/sampling.h"

namespace ilf::lm {

struct GenerationConfig {
  int64_t num_samples = 1;       // n samples per prompt, sharing one prefill
  int64_t max_new_tokens = 128;  // tokens generated per sample at most
  SamplingParams sampling;       // temperature 0 = greedy
  uint64_t seed = 0;             // with the prompt and sample index, fixes every draw
  // One per prompt: its draws' seed; empty: PromptSeed(seed, i).
  std::vector<uint64_t> prompt_seeds;
  std::vector<int64_t> eos_token_ids;  // a row stops after any of these (not included in tokens)
  int64_t pad_token_id = 0;            // fills left padding (never attended to)
  int64_t max_batch_rows = 64;         // rows (prompts x samples) decoded together
};

struct GeneratedSequence {
  int64_t prompt_index = 0;            // index into the prompts given
  int64_t sample_index = 0;            // 0 .. num_samples - 1
  std::vector<int64_t> tokens;         // new tokens (without the end-of-text id)
  double logprob = 0;                  // sum of the model's log-probs (temperature 1) of `tokens`
  std::vector<double> token_logprobs;  // each token's log-prob (temperature 1)
  std::string finish_reason;           // "eos", "stop" (callback) or "length"
};

// Called after each new token of a row (not for end-of-text ids); true stops the row there, with
// the token kept. Used for stop strings, which need the tokenizer's decode.
using StopCallback = std::function<bool(int64_t prompt_index, const std::vector<int64_t>& tokens)>;

// Called after each decoding step with the number of rows that finished in it (progress reporting).
using StepCallback = std::function<void(int64_t rows_finished)>;

// Generates for every prompt (non-empty token id lists); results are ordered by prompt, then
// sample. Throws ilf::Error for an empty prompt or one longer than the model's positions allow.
// `stats`, when given, is set to what this call computed.
std::vector<GeneratedSequence> Generate(CausalLmImpl& model,
                                        const std::vector<std::vector<int64_t>>& prompts,
                                        const GenerationConfig& config,
                                        const StopCallback& stop = nullptr,
                                        const StepCallback& on_step = nullptr,
                                        GenerationStats* stats = nullptr);

}  // namespace ilf::lm
