// `ilf bench train`: training-step throughput of a config with random weights, and its model-FLOPs
// utilisation against the bare matrix-product rate measured in the same run.
//
// Model FLOPs of one step (forward + backward = 3 x forward, the usual 6·N·tokens count):
//   flops_per_token = 6 · N_matmul + 12 · L · T · H · head_dim
// where N_matmul counts the weights of every projection and of the LM head (also when tied to the
// embedding; the embedding lookup, norms and biases are not matrix products) and the second term is
// attention's QK^T and PV products over the full T x T square (the eager kernels compute it all).
// The bare rate runs exactly the step's GEMMs — for every projection [B·T, in] x [in, out] plus the
// two of its backward, and the attention batched products with theirs — back to back on random
// tensors of the step's dtype, and divides their FLOPs by their time. mfu = achieved model FLOP/s
// divided by that rate: the share of the attainable matmul throughput that the training step
// (forward, backward, clipping, AdamW) delivers. It is not a share of the hardware's datasheet
// peak.
//
// Data parallel (`distributed.world_size` N > 1, one process per rank): every rank runs the same
// step on its own random batch of `batch` sequences (the global batch is N x batch) and the
// gradients are summed over the ranks in buckets overlapping backward, as `ilf finetune` does;
// tokens_per_s counts all ranks' tokens. Rank 0's result is the job's.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "src/lm/train/distributed.h"

namespace ilf::lm {

struct BenchTrainOptions {
  std::string config_path;      // config.json (or its directory)
  int64_t batch = 1;            // sequences per step
  int64_t seq = 128;            // tokens per sequence
  int64_t steps = 3;            // timed optimizer steps (after one untimed warm-up step)
  std::string device = "auto";  // auto (CUDA if available), cpu, cuda, cuda:N
  bool bf16 = true;             // on CUDA: bfloat16 autocast, float32 master weights
  uint64_t seed = 0;            // weights and tokens
  int64_t gemm_repeats = 3;     // timed passes over the bare GEMMs (after one warm-up pass)
  int threads = 0;              // CPU threads (torch and OpenBLAS); 0 = core count
  DistributedEnv distributed;   // torchrun's variables; world_size 1 = one process
  int64_t bucket_mib = 25;      // data parallel: gradient all-reduce bucket size (MiB)
};

struct BenchTrainResult {
  double tokens_per_s = 0;  // ranks * batch * seq / median step seconds
  double step_s = 0;        // median (lower) wall time of one optimizer step
  double mfu = 0;           // model FLOP/s / bare GEMM FLOP/s (see above)
  nlohmann::json fields;    // everything measured, flat (the --json output)
};

BenchTrainResult BenchTrain(const BenchTrainOptions& options);

}  // namespace ilf::lm
