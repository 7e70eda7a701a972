// Gradient all-reduce in buckets that overlaps backward (what DDP's Reducer does), for
// data-parallel finetuning.
//
// Theory of operation. The constructor cuts the trainable parameters, in reverse order (backward
// produces the last layers' gradients first), into buckets of about `bucket_bytes`. Each bucket
// owns one flat float32 buffer and every parameter's .grad() becomes a view into it, so backward
// accumulates straight into the buffer (AccumulateGrad adds in place into a defined grad). A
// post-hook on each parameter's gradient accumulator counts the parameters whose gradient is
// complete; during an armed backward (the last one of a step on this rank: earlier micro-batches
// only accumulate) a bucket whose parameters are all complete starts its all-reduce at once, while
// backward goes on with the earlier layers. Buckets start strictly in index order, so every rank
// issues the same collectives in the same order whatever order its hooks fire in. Finish() starts
// the buckets that are still waiting (parameters that got no gradient, or a rank that had no
// micro-batch this step) and waits for all: then each .grad() holds the sum over the ranks.
//
// Thread safety: hooks may run on autograd's device threads; the bucket state is mutex-guarded.
// The parameters' grads must not be replaced (only zeroed in place) while this object lives.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "src/lm/train/distributed.h"
#include "src/lm/train/optim.h"

namespace ilf::lm {

class GradientBuckets {
 public:
  // `params` are float32 leaves that require grad; `group` must outlive this object.
  GradientBuckets(const NamedTensors& params, ProcessGroup& group, int64_t bucket_bytes);
  ~GradientBuckets();
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  // The next backward is this rank's last of the step: start each bucket when it is complete.
  void Arm();
  // Starts the buckets not started yet, waits for all; afterwards grads hold the sums over ranks.
  // Throws ilf::Error when a peer is gone (see distributed.h).
  void Finish();
  int64_t bucket_count() const { return static_cast<int64_t>(buckets_.size()); }
  // Buckets whose all-reduce started before the last Finish() (overlapping backward).
  int64_t started_in_backward() const { return started_in_backward_; }

 private:
  struct Bucket {
    torch::Tensor flat;    // [numel] float32; the params' grads are views into it
    int64_t params = 0;    // parameters in the bucket
    int64_t complete = 0;  // of them, complete in the armed backward
    bool started = false;  // its all-reduce is running
  };
  void OnGradientComplete(size_t param_index);  // the hook
  void StartReadyBuckets();                     // in order; mutex_ held

  ProcessGroup& group_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;                // parameter index -> bucket index
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;  // keep the hooks alive
  std::vector<uintptr_t> hook_keys_;
  std::vector<bool> seen_;  // parameter completed in the armed backward
  std::mutex mutex_;
  bool armed_ = false;
  size_t next_bucket_ = 0;  // first bucket not started
  int64_t started_in_backward_ = 0;
};

}  // namespace ilf::lm
