// GenerationStats: what one Generate call computed, counted by the in-process engine where it
// runs the model. The prefill counts show that the n samples of a prompt share one prefill:
// prefill_tokens is then the sum of the prompts' lengths whatever n is, where prefilling each
// sample's row would make it n times that. Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace ilf::lm {

struct GenerationStats {
  int64_t prefill_passes = 0;     // forward passes over prompts (one per batch of prompts)
  int64_t prefill_rows = 0;       // prompt rows in those passes
  int64_t prefill_tokens = 0;     // real prompt tokens in those rows (left padding not counted)
  int64_t prefill_positions = 0;  // positions computed, padding included (rows x padded length)
  int64_t decode_steps = 0;       // one-token forward passes, each over a batch's unfinished rows
  int64_t decode_tokens = 0;      // tokens those passes fed (the sum of their row counts)

  // "prefill: 2 passes, 5 prompts, 412 tokens (430 positions); decode: 23 steps, 138 tokens".
  std::string Summary() const {
    return fmt::format(
        "prefill: {} passes, {} prompts, {} tokens ({} positions); decode: {} steps, {} tokens",
        prefill_passes, prefill_rows, prefill_tokens, prefill_positions, decode_steps,
        decode_tokens);
  }
};

}  // namespace ilf::lm
