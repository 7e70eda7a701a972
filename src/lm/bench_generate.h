// `ilf bench generate`: generation speed of a config with random weights, against the machine's
// own limit measured in the same run.
//
// The run (1) initialises the model (seeded), (2) generates new_tokens greedy tokens for `batch`
// random prompts of prompt_tokens each, timing the prefill (up to the first token) and each
// decoding step, and (3) between consecutive steps (outside their timed spans) times one pass of
// the bare matrix products a decoding step must do — for every layer q/k/v/o and gate/up/down
// (GPT-2: c_attn, c_proj, c_fc, c_proj), plus the LM head, at `batch` rows, with the model's own
// weight tensors. bound_ratio = median bare-matmul pass / median decoding step: 1.0 means decoding
// costs nothing beyond its GEMMs. Interleaving makes both medians see the same machine state (the
// machine may be shared). Torch-free header.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ilf::lm {

struct BenchGenerateOptions {
  std::string config_path;      // config.json (or its directory)
  int64_t batch = 32;           // rows decoded together
  int64_t new_tokens = 128;     // tokens generated per row (>= 2)
  int64_t prompt_tokens = 32;   // random prompt length
  std::string device = "auto";  // as LoadOptions::device
  std::string dtype = "auto";   // as LoadOptions::dtype
  int threads = 0;              // CPU threads; 0 = core count
  uint64_t seed = 0;            // weights and prompts
};

struct BenchGenerateResult {
  nlohmann::json fields;           // everything measured, flat (see ToJson in bench_generate.cc)
  double tokens_per_s = 0;         // batch * new_tokens / (prefill + decode) seconds
  double decode_step_ms = 0;       // median wall time of one decoding step (all rows)
  double bare_matmul_step_ms = 0;  // the same step's GEMMs alone
  double bound_ratio = 0;          // bare_matmul_step_ms / decode_step_ms
};

BenchGenerateResult BenchGenerate(const BenchGenerateOptions& options);

}  // namespace ilf::lm
