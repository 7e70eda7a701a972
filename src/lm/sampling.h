// Sampling transforms as pure functions (llama2.c style): the random draw comes in as an argument,
// so every transform is testable with a table of inputs and expected outputs.
//
// Order, as in Hugging Face's generate(): temperature, then top-k, then top-p. Temperature 0 means
// greedy (argmax, first index on ties, like torch.argmax).
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "src/lm/sampling_seed.h"

namespace ilf::lm {

struct SamplingParams {
  double temperature = 0.0;  // 0 = greedy; otherwise logits are divided by it
  int64_t top_k = 0;         // keep the k most likely tokens; 0 = all
  double top_p = 1.0;  // keep the smallest set of most likely tokens with mass >= top_p; 1 = all
};

// Applies temperature, top-k and top-p to float logits [R, V]; removed tokens get -inf. Returns a
// new tensor. Requires temperature > 0.
torch::Tensor ProcessLogits(const torch::Tensor& logits, const SamplingParams& params);

// Inverse-CDF sampling: for each row r, the token whose cumulative softmax probability interval
// contains uniforms[r] (float64 [R] in [0, 1)). Tokens with probability 0 are never chosen.
// logits [R, V] -> int64 [R].
torch::Tensor SampleWithDraws(const torch::Tensor& logits, const torch::Tensor& uniforms);

// A uniform number in [0, 1) that depends only on (seed, stream, step): row streams are independent
// of batch composition, so a sample is reproducible whatever else is generated with it.
double UniformDraw(uint64_t seed, uint64_t stream, uint64_t step);

// The UniformDraw stream (with seed 0) of sample `sample` of a prompt whose seed is `prompt_seed`.
uint64_t SampleStream(uint64_t prompt_seed, uint64_t sample);

// Greedy or sampled next tokens for float logits [R, V]; `streams` [R] and `step` select the draws.
torch::Tensor NextTokens(const torch::Tensor& logits, const SamplingParams& params, uint64_t seed,
                         const std::vector<uint64_t>& streams, uint64_t step);

}  // namespace ilf::lm
