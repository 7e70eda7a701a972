// TokenPicker: each row's next token and its log-prob from a decoding step's hidden states, without
// allocating anything the size of the vocabulary per step.
//
// Theory of operation. On the CPU with float32 weights the LM head's product goes into a logits
// buffer the picker keeps (grown once, reused by every step and batch; fresh multi-MB tensors per
// step cost more in page faults than the small models' whole forward pass). Each row is then read
// in place: its maximum and first argmax (greedy), the sum of exp(x - max) for the log-prob, and
// for sampling the exponentials of the temperature-scaled row, summed in blocks of kBlock; the
// draw's target u * sum is located among the block sums and then inside its block (by its float64
// exponentials). That is SampleWithDraws's inverse-CDF rule (src/lm/sampling.h) with the sums in
// another order and another exp; the two pick the same token unless the target lies within their
// combined error of a token's boundary, which is checked for every draw. The block sums come first
// from float32 exponentials (twice as fast; error up to 1.8e-7 of the sums, weighted by where the
// target falls, so on flat rows of 151,936 tokens about 1 draw in 50 is that close); such a draw
// takes float64 exponentials over the whole row (error a few 1e-10 of the mass). Draws still that
// close, rows with top-k or top-p, and rows that are not finite take ProcessLogits +
// SampleWithDraws themselves, so every token is the one SampleWithDraws picks. Log-probs
// (temperature 1) sum float32 exponentials in float64: within 2e-6 of the float64 log-softmax,
// closer than the float32 log_softmax/logsumexp of the tensor ops, which is off by up to ~5e-5 over
// 151,936 tokens.
//
// Pick spreads the rows over as many threads as the matrix products use (MatmulThreads(): the
// picker is most of a small model's step, and each row's token depends on that row alone).
//
// Elsewhere (CUDA, other dtypes) the picker runs the tensor ops of src/lm/sampling.h on the whole
// batch. Not thread-safe; one picker per decoding loop.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "src/lm/causal_lm.h"
#include "src/lm/sampling.h"

namespace ilf::lm {

class TokenPicker {
 public:
  TokenPicker(CausalLmImpl& model, const SamplingParams& params);
  TokenPicker(const TokenPicker&) = delete;
  TokenPicker& operator=(const TokenPicker&) = delete;

  // Logits of hidden [R, D] (model dtype) as float32 [R, V]: on the CPU path a view of the buffer,
  // valid until the next call.
  torch::Tensor Logits(const torch::Tensor& hidden);
  // logits [R, V] from Logits() -> [R * n, V], row r repeated as rows r*n .. r*n+n-1 (the n samples
  // of a prompt start from its prefill's logits).
  torch::Tensor RepeatRows(const torch::Tensor& logits, int64_t n);
  // For each row r of logits [R, V]: the next token (greedy, or sampled with the draw
  // UniformDraw(0, streams[r], step)) and its log-prob at temperature 1.
  void Pick(const torch::Tensor& logits, const std::vector<uint64_t>& streams, uint64_t step,
            std::vector<int64_t>* tokens, std::vector<double>* logprobs);

  // Rows whose token came from SampleWithDraws on the CPU path (near a boundary, top-k/top-p, not
  // finite) since construction.
  int64_t exact_rows() const;
  // Rows sampled with float64 exponentials over the whole row (their draw was within the float32
  // exponentials' error of a boundary) since construction.
  int64_t precise_rows() const;

  static constexpr int64_t kBlock = 512;  // elements per block sum of the sampler

 private:
  // One thread's working memory and counts.
  struct Scratch {
    std::vector<double> block_sums;     // [ceil(V / kBlock)]
    std::vector<double> block_spreads;  // [ceil(V / kBlock)] (ScaledExpFloat's)
    std::vector<double> block_values;   // [kBlock]
    int64_t exact_rows = 0;
    int64_t precise_rows = 0;
  };

  bool InPlace(const torch::Tensor& logits) const;
  // Pick() for rows [begin, end) of the buffer, on one thread.
  void PickRows(const torch::Tensor& logits, int64_t begin, int64_t end,
                const std::vector<uint64_t>& streams, uint64_t step, Scratch& scratch,
                std::vector<int64_t>* tokens, std::vector<double>* logprobs) const;
  // The token of row `x` [1, V] by ProcessLogits + SampleWithDraws.
  int64_t PickExactly(const torch::Tensor& row, uint64_t stream, uint64_t step,
                      Scratch& scratch) const;
  // Sampled token of a finite row x[0, vocab) with max `max`, or -1 when the draw is too close to
  // a boundary; sets *scaled_sum to the sum of the exponentials of the temperature-scaled row
  // (shifted by its maximum).
  int64_t SampleRow(const float* x, int64_t vocab, float max, uint64_t stream, uint64_t step,
                    Scratch& scratch, double* scaled_sum) const;
  // The token whose interval holds draw * (the sum of the block sums of row x, into *total) by the
  // block sums and then the float64 exponentials of its block, or -1 when the target lies within
  // the sums' error of one of its boundaries. With float_sums, the block sums are
  // ScaledExpFloat's (with their spreads); else ScaledExp's.
  int64_t Locate(const float* x, int64_t vocab, float divisor, float shift, double draw,
                 bool float_sums, Scratch& scratch, double* total) const;

  CausalLmImpl& model_;
  SamplingParams params_;
  bool cpu_float_;                // the model computes float32 on the CPU
  torch::Tensor buffer_;          // [rows, V] float32, grown as needed (CPU path)
  std::vector<Scratch> scratch_;  // one per thread of Pick (MatmulThreads())
};

}  // namespace ilf::lm
