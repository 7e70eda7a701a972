// The data-parallel side of finetuning: which micro-batches of a step each rank runs, and starting
// every rank from rank 0's state.
//
// A step is the same set of micro-batches whatever the number of ranks (`--grad-accum` counts
// micro-batches per step over all ranks): rank r runs the step's micro-batches r, r + N, r + 2N, ...
// and divides its loss by the target tokens of the whole step, so the summed gradient, the clipping
// and the update are those of a single-process run with the same flags, up to the order of float
// additions. With grad_accum not a multiple of N some ranks run one micro-batch fewer.
#pragma once

#include <cstdint>
#include <vector>

#include "src/lm/train/distributed.h"
#include "src/lm/train/optim.h"
#include "src/lm/train/pairs.h"

namespace ilf::lm {

struct RankShare {
  std::vector<std::vector<int64_t>> micro_batches;  // this rank's, as example indices
  int64_t step_target_tokens = 0;                   // over every rank's micro-batches
};

// This rank's part of the step made of plan[first, last).
RankShare ShareStep(const std::vector<TrainExample>& examples,
                    const std::vector<std::vector<int64_t>>& plan, int64_t first, int64_t last,
                    int rank, int world_size);

// Overwrites every rank's trainable tensors (the optimizer's parameters) and AdamW state with rank
// 0's, so ranks start equal whatever their file systems hold (only rank 0 reads checkpoints).
// Returns rank 0's `start_step`.
int64_t SyncStartState(ProcessGroup& group, int64_t start_step, AdamW& optimizer);

}  // namespace ilf::lm
