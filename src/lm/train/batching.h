// Batching for finetuning: validation split, per-epoch order (shuffled, bucketed by length),
// padding into tensors.
//
// Everything is a pure function of (examples, seed, epoch): the order of epoch e is the same in an
// uninterrupted run and in a run resumed in the middle of it, so resume needs no saved order.
// Shuffling uses std::mt19937_64 with an explicit Fisher-Yates loop (std::shuffle's algorithm is
// implementation-defined), so the order is the same with every standard library.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "src/lm/train/pairs.h"

namespace ilf::lm {

// A padded micro-batch on the CPU. Padding is on the right: with causal attention real tokens never
// see it, and padded labels are kIgnoreLabel, so the loss equals the unpadded one.
struct Batch {
  torch::Tensor input_ids;       // [B, T] int64, padded with the pad id
  torch::Tensor labels;          // [B, T] int64, kIgnoreLabel on prompt and padding positions
  torch::Tensor attention_mask;  // [B, T] int64, 1 on real tokens, 0 on padding
  int64_t tokens = 0;            // real (unpadded) tokens in the batch
  int64_t target_tokens = 0;     // tokens that count in the loss (labels shifted by one)
};

// Moves a seeded share of `examples` (rounded, at least one when fraction > 0 and there are two or
// more examples) into `validation`; the rest keep their file order in `train`.
void SplitValidation(const std::vector<TrainExample>& examples, double fraction, uint64_t seed,
                     std::vector<TrainExample>* train, std::vector<TrainExample>* validation);

// The micro-batches of one epoch as lists of example indices. Examples are shuffled by
// (seed, epoch), grouped in windows of `batch_size * kBucketWindowBatches`, sorted by length inside
// a window (so a batch holds similar lengths and little padding), cut into batches of
// `batch_size` (the last may be smaller), and the batches shuffled again.
inline constexpr int64_t kBucketWindowBatches = 16;
std::vector<std::vector<int64_t>> PlanEpoch(const std::vector<TrainExample>& examples,
                                            int64_t batch_size, uint64_t seed, int64_t epoch);

// Consecutive batches in order, no shuffling (validation).
std::vector<std::vector<int64_t>> PlanInOrder(int64_t count, int64_t batch_size);

// The target tokens a Batch of these examples would count (without building it).
int64_t CountTargetTokens(const std::vector<TrainExample>& examples,
                          const std::vector<int64_t>& indices);

// Pads the chosen examples into a Batch.
Batch Collate(const std::vector<TrainExample>& examples, const std::vector<int64_t>& indices,
              int64_t pad_token_id);

}  // namespace ilf::lm
