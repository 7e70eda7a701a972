// Optimisation pieces of finetuning: AdamW, the linear warm-up/decay schedule, gradient clipping
// and the masked next-token loss. Pure functions and one small stateful class; no model knowledge.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ilf::lm {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct AdamWOptions {
  double beta1 = 0.9;         // first-moment decay
  double beta2 = 0.999;       // second-moment decay
  double eps = 1e-8;          // added to the denominator after bias correction
  double weight_decay = 0.0;  // decoupled: p *= 1 - lr * weight_decay (all parameters, as torch)
};

// AdamW with decoupled weight decay, the same update as PyTorch's torch.optim.AdamW (single-tensor
// path): p *= 1 - lr·wd; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
// p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps). Moments are float32 (like the master
// weights), keyed by parameter name so a resumed run can check it holds the same parameters.
// Parameters whose grad is undefined are skipped. Not thread-safe; copying is deleted.
class AdamW {
 public:
  AdamW(NamedTensors params, AdamWOptions options);
  AdamW(const AdamW&) = delete;
  AdamW& operator=(const AdamW&) = delete;

  // One update with learning rate `lr` from the parameters' current .grad().
  void Step(double lr);
  // Zeroes the grads in place (keeping their memory for the next backward).
  void ZeroGrad();
  int64_t steps_taken() const { return step_; }
  const NamedTensors& params() const { return params_; }

  // State as named tensors ("exp_avg/NAME", "exp_avg_sq/NAME", "step"), for a training-state file.
  NamedTensors StateTensors() const;
  // Restores StateTensors(); throws ilf::Error naming `source` and the tensor on a missing name or
  // a shape mismatch (a resume with a different model, LoRA setting or target modules).
  void LoadState(const std::map<std::string, torch::Tensor>& state, const std::string& source);

 private:
  NamedTensors params_;
  std::vector<torch::Tensor> exp_avg_;
  std::vector<torch::Tensor> exp_avg_sq_;
  torch::Tensor
      scratch_;  // float32 buffer for the update's denominator, as large as the largest param
  AdamWOptions options_;
  int64_t step_ = 0;
};

// Hugging Face's get_linear_schedule_with_warmup: the update with 0-based index `step` uses
// peak_lr · step/warmup while step < warmup, then peak_lr · (total-step)/(total-warmup), never < 0.
double LinearScheduleLr(double peak_lr, int64_t step, int64_t warmup_steps, int64_t total_steps);

// Global L2 norm of all defined grads (computed in float64 over float32 sums). When max_norm > 0,
// scales the grads by max_norm/(norm+1e-6) if that is below 1 (torch.nn.utils.clip_grad_norm_).
// Returns the norm before clipping.
double ClipGradNorm(const std::vector<torch::Tensor>& params, double max_norm);

// Sum over positions of the next-token cross-entropy (float32): logits [B, T, V] at position t are
// scored against labels [B, T] at t+1, skipping labels == -100. Divide by the number of counted
// labels for Hugging Face's mean loss.
torch::Tensor NextTokenLossSum(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace ilf::lm
