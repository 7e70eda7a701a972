#include "src/lm/train/train_step.h"

#include <malloc.h>

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>
#include <limits>

#include "src/core/error.h"

namespace ilf::lm {
namespace {

// Enables CUDA autocast to bfloat16 for its lifetime.
class AutocastScope {
 public:
  explicit AutocastScope(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);  // the 2.4+ per-device API
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
#endif
  }
  ~AutocastScope() {
    if (!enabled_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
    at::autocast::set_enabled(false);
#endif
    at::autocast::clear_cache();
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
};

}  // namespace

void KeepFreedMemoryForReuse() {
#ifdef __GLIBC__
  constexpr int kOneGib = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kOneGib);
  mallopt(M_TRIM_THRESHOLD, kOneGib);
#endif
}

torch::Tensor TrainLogits(CausalLmImpl& model, const Batch& batch, const ComputeOptions& compute) {
  ILF_CHECK(!compute.bf16_autocast || compute.device.is_cuda(), "bf16 autocast is CUDA-only");
  if (compute.lora) compute.lora->Apply();
  AutocastScope autocast(compute.bf16_autocast);
  return ForwardLogits(model, batch.input_ids.to(compute.device),
                       batch.attention_mask.to(compute.device));  // [B, T, V]
}

StepStats TrainStep(CausalLmImpl& model, const std::vector<Batch>& micro_batches, AdamW& optimizer,
                    double lr, double max_grad_norm, const ComputeOptions& compute,
                    const StepShare* share) {
  StepStats stats;
  for (const Batch& batch : micro_batches) {
    stats.target_tokens += batch.target_tokens;
    stats.tokens += batch.tokens;
  }
  const int64_t divisor = share ? share->step_target_tokens : stats.target_tokens;
  ILF_CHECK(divisor > 0 && divisor >= stats.target_tokens, "a step needs target tokens");
  optimizer.ZeroGrad();
  double loss_sum = 0.0;
  for (size_t i = 0; i < micro_batches.size(); ++i) {
    const Batch& batch = micro_batches[i];
    // The last backward overlaps its gradient all-reduce (earlier ones only accumulate).
    if (share && share->buckets && i + 1 == micro_batches.size()) share->buckets->Arm();
    torch::Tensor logits = TrainLogits(model, batch, compute);
    torch::Tensor batch_loss = NextTokenLossSum(logits, batch.labels);
    (batch_loss / static_cast<double>(divisor)).backward();
    loss_sum += batch_loss.item<double>();
  }
  if (share && share->buckets) share->buckets->Finish();
  stats.loss = loss_sum / static_cast<double>(divisor);
  std::vector<torch::Tensor> params;
  for (const auto& [name, p] : optimizer.params()) params.push_back(p);
  stats.grad_norm = ClipGradNorm(params, max_grad_norm);
  if (!std::isfinite(stats.grad_norm) || !std::isfinite(stats.loss)) {
    throw Error("training diverged: loss " + std::to_string(stats.loss) + ", gradient norm " +
                    std::to_string(stats.grad_norm) + " (hint: lower --lr or set --max-grad-norm)",
                kExitFailed);
  }
  optimizer.Step(lr);
  return stats;
}

double EvalLoss(CausalLmImpl& model, const std::vector<TrainExample>& examples, int64_t batch_size,
                int64_t pad_token_id, const ComputeOptions& compute) {
  if (examples.empty()) return std::numeric_limits<double>::quiet_NaN();
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  double loss_sum = 0.0;
  int64_t count = 0;
  for (const auto& indices : PlanInOrder(static_cast<int64_t>(examples.size()), batch_size)) {
    Batch batch = Collate(examples, indices, pad_token_id);
    loss_sum += NextTokenLossSum(TrainLogits(model, batch, compute), batch.labels).item<double>();
    count += batch.target_tokens;
  }
  model.train(was_training);
  return loss_sum / static_cast<double>(std::max<int64_t>(count, 1));
}

}  // namespace ilf::lm
