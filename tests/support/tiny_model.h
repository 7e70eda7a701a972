// Tiny random checkpoints for end-to-end tests of the model commands (real plumbing, meaningless
// text), made by the built `ilf init-model`.
#pragma once

#include <cstdint>
#include <string>

#include "tests/support/test_data.h"

namespace ilf::testing {

struct TinyGpt2Options {
  int n_embd = 32;         // hidden width
  int n_layer = 2;         // transformer blocks
  int n_head = 2;          // attention heads
  int n_positions = 1024;  // context length, tokens
  int seed = 3;            // init-model's seed

  static TinyGpt2Options WithSeed(int seed) {
    TinyGpt2Options options;
    options.seed = seed;
    return options;
  }
};

// A GPT-2 with GPT-2's tokenizer (tokenizers/gpt2 of ILF_DATA_DIR) written to dir/name. Returns
// the model directory, or "" when the tokenizer is not under ILF_DATA_DIR; a failing init-model
// is a test failure (ADD_FAILURE with its output) and also returns "".
std::string MakeTinyGpt2(const ScratchDir& dir, const std::string& name,
                         const TinyGpt2Options& options = {});

// A copy of the checkpoint `model_dir` at dir/name whose config.json allows `positions` positions
// (the other files are linked, not copied), or "" when `model_dir` is "". The golden tiny Qwen2
// knows 256 positions, fewer than an InstructRM prompt needs, and every model command refuses work
// past max_position_embeddings; RoPE computes the extra positions from the config alone.
std::string WithMaxPositions(const ScratchDir& dir, const std::string& model_dir,
                             const std::string& name, int64_t positions);

}  // namespace ilf::testing
