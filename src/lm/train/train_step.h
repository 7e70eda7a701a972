// One optimizer step of finetuning, and the validation loss: the numeric core that the trainer loop
// and the golden tests share.
//
// Loss normalisation: the loss of a step is the sum of next-token cross-entropies over every target
// token of its micro-batches divided by their total target-token count, so splitting an effective
// batch into micro-batches (gradient accumulation) changes nothing but rounding. For one sequence
// this is exactly Hugging Face's mean loss with labels (-100 masked, shifted by one).
//
// Precision: on CUDA with bf16 the forward and backward run under autocast (bfloat16 matrix
// products) while the parameters, gradients and AdamW moments stay float32 (master weights). On the
// CPU everything is float32.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "src/lm/causal_lm.h"
#include "src/lm/train/batching.h"
#include "src/lm/train/grad_buckets.h"
#include "src/lm/train/lora.h"
#include "src/lm/train/optim.h"

namespace ilf::lm {

struct ComputeOptions {
  torch::Device device = torch::kCPU;  // where the model lives; batches are moved there
  bool bf16_autocast = false;          // CUDA only: bfloat16 compute, float32 master weights
  LoraAdapters* lora = nullptr;        // when set, Apply() runs before each forward (not owned)
};

// A step shared by data-parallel ranks: each runs its own micro-batches (possibly none), divides
// its loss by the target tokens of the whole step, and `buckets` sums the gradients over the
// ranks, so every rank ends with the gradient, clipping and update of the whole step.
struct StepShare {
  int64_t step_target_tokens = 0;      // target tokens in every rank's micro-batches together
  GradientBuckets* buckets = nullptr;  // all-reduces the gradients (not owned)
};

struct StepStats {
  double loss = 0.0;          // mean next-token loss over the step's target tokens (with a
                              // StepShare: this rank's part; the ranks' parts sum to the mean)
  double grad_norm = 0.0;     // global L2 norm of the gradients before clipping
  int64_t tokens = 0;         // real tokens processed
  int64_t target_tokens = 0;  // tokens in the loss
};

// Makes glibc keep freed memory for reuse (raises the mmap and trim thresholds to 1 GiB). A
// training step allocates and frees multi-hundred-MiB tensors (activations, the embedding's
// gradient); glibc's defaults return every block above 32 MiB to the kernel, so each step
// page-faults them in again, which on the CPU costs more than the step's arithmetic for a 0.5B
// model. Process-wide; idempotent; a no-op without glibc.
void KeepFreedMemoryForReuse();

// Logits [B, T, V] of a batch with autograd (autocast and LoRA as configured).
torch::Tensor TrainLogits(CausalLmImpl& model, const Batch& batch, const ComputeOptions& compute);

// Forward+backward over `micro_batches`, clipping to max_grad_norm (0 = no clipping), one AdamW
// update at `lr`. Grads are zeroed in place at the start (they hold this step's afterwards). The
// optimizer holds the trainable parameters. With `share`, the step is one rank's part of a
// data-parallel step (see StepShare); tokens and target_tokens are then this rank's.
StepStats TrainStep(CausalLmImpl& model, const std::vector<Batch>& micro_batches, AdamW& optimizer,
                    double lr, double max_grad_norm, const ComputeOptions& compute,
                    const StepShare* share = nullptr);

// Mean next-token loss over the target tokens of `examples`, without gradients, in eval mode
// (restores the previous mode). NaN when there are no examples.
double EvalLoss(CausalLmImpl& model, const std::vector<TrainExample>& examples, int64_t batch_size,
                int64_t pad_token_id, const ComputeOptions& compute);

}  // namespace ilf::lm
