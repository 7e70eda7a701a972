// LanguageModel: what the runner sees of a model (DESIGN.md §3) — generate, score — in plain C++
// types, with LibTorch hidden behind the implementation (pimpl), so runner code never includes
// torch and a remote server could stand in for the in-process model.
//
// Token ids in, token ids out: text goes through the tokenizer (src/lm/tokenizer*), which the
// caller owns; stop strings are a StopFn that decodes (see runner/cmd_generate.cc).
// Thread safety: one call at a time per object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/core/error.h"

namespace ilf::lm {

struct LoadOptions {
  std::string device = "auto";  // "auto" (CUDA when available), "cpu", "cuda", "cuda:N"
  std::string dtype =
      "auto";       // "auto" (float32 on CPU, bfloat16 on CUDA), "float32", "bfloat16", "float16"
  int threads = 0;  // CPU threads for torch and OpenBLAS; 0 = the core count
};

struct GenerateOptions {
  int64_t n = 1;                       // samples per prompt (sharing one prefill)
  double temperature = 0.0;            // 0 = greedy
  int64_t top_k = 0;                   // 0 = no top-k filter
  double top_p = 1.0;                  // 1 = no nucleus filter
  int64_t max_new_tokens = 128;        // per sample
  uint64_t seed = 0;                   // fixes every sampled token (independent of batching)
  std::vector<int64_t> eos_token_ids;  // empty = the model's (generation_config.json, config.json)
  bool ignore_eos = false;             // generate max_new_tokens even past end-of-text
  int64_t max_batch_rows = 64;         // prompts x samples decoded together
};

struct Sample {
  int64_t prompt_index = 0;             // index into the prompts given
  int64_t sample_id = 0;                // 0 .. n - 1
  std::vector<int64_t> completion_ids;  // new tokens, without the end-of-text id
  double logprob = 0;                   // sum of log-probs of completion_ids (temperature 1)
  std::string finish_reason;            // "eos", "stop" or "length"
};

// Called after each new token of a sample; true stops it (e.g. a stop string appeared).
using StopFn =
    std::function<bool(int64_t prompt_index, const std::vector<int64_t>& completion_ids)>;
// Called as samples finish (count finished so far), for progress.
using ProgressFn = std::function<void(int64_t finished)>;

struct ScoreRequest {
  std::vector<int64_t> prompt;        // at least one token
  std::vector<int64_t> continuation;  // the tokens scored
};

struct ScoreResult {
  double logprob = 0;                  // sum of token_logprobs
  std::vector<double> token_logprobs;  // one per continuation token
};

struct ModelInfo {
  std::string path;          // the checkpoint directory
  std::string architecture;  // config.json architectures[0]
  int64_t vocab_size = 0;
  int64_t parameters = 0;              // number of weights
  std::vector<int64_t> eos_token_ids;  // generation_config.json's, else config.json's
  std::string device;                  // "cpu", "cuda:0"
  std::string dtype;                   // "float32", "bfloat16", "float16"
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  // Samples ordered by prompt, then sample_id.
  virtual std::vector<Sample> Generate(const std::vector<std::vector<int64_t>>& prompts,
                                       const GenerateOptions& options, const StopFn& stop = nullptr,
                                       const ProgressFn& progress = nullptr) = 0;
  // Log-probs of each continuation given its prompt.
  virtual std::vector<ScoreResult> Score(const std::vector<ScoreRequest>& requests) = 0;
  // log p(candidate | prompt) at the next position, [prompts][candidates].
  virtual std::vector<std::vector<double>> NextTokenLogprobs(
      const std::vector<std::vector<int64_t>>& prompts, const std::vector<int64_t>& candidates) = 0;
  // The final hidden states (after the last norm, before the LM head) of each sequence, averaged
  // over its positions, [sequences][hidden size]: an embedding for similarity (Scheurer et al.
  // 2022). Every sequence needs at least one token. Engines that cannot see hidden states (a
  // remote server) throw ilf::Error.
  virtual std::vector<std::vector<double>> MeanHiddenStates(
      const std::vector<std::vector<int64_t>>& sequences) {
    throw Error(info().path + ": this engine does not expose hidden states");
  }
  virtual const ModelInfo& info() const = 0;
};

// Loads a Hugging Face checkpoint directory (config.json + safetensors). Throws ilf::Error for a
// bad checkpoint or option, EnvironmentError when CUDA is asked for and absent.
std::unique_ptr<LanguageModel> LoadLanguageModel(const std::string& dir,
                                                 const LoadOptions& options = {});

}  // namespace ilf::lm
