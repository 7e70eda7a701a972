#include "src/lm/train/grad_buckets.h"

#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <functional>
#include <utility>

#include "src/core/error.h"

namespace ilf::lm {
namespace {

// Runs `fn` after a gradient accumulator has added this backward's gradient into .grad().
class CompletionHook : public torch::autograd::FunctionPostHook {
 public:
  explicit CompletionHook(std::function<void()> fn) : fn_(std::move(fn)) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list&) override {
    fn_();
    return outputs;
  }

 private:
  std::function<void()> fn_;
};

}  // namespace

GradientBuckets::GradientBuckets(const NamedTensors& params, ProcessGroup& group,
                                 int64_t bucket_bytes)
    : group_(group), bucket_of_(params.size()), seen_(params.size(), false) {
  ILF_CHECK(!params.empty(), "no parameters to synchronise");
  // Reverse order: the last layers' gradients are complete first in backward.
  std::vector<int64_t> bucket_numel;
  int64_t bytes = 0;
  for (size_t k = params.size(); k-- > 0;) {
    const torch::Tensor& p = params[k].second;
    ILF_CHECK(p.scalar_type() == torch::kFloat32 && p.requires_grad() && p.is_leaf(),
              "data-parallel parameters must be float32 leaves that require grad");
    const int64_t size = p.numel() * static_cast<int64_t>(sizeof(float));
    if (buckets_.empty() || (buckets_.back().params > 0 && bytes + size > bucket_bytes)) {
      buckets_.emplace_back();
      bucket_numel.push_back(0);
      bytes = 0;
    }
    bucket_of_[k] = buckets_.size() - 1;
    ++buckets_.back().params;
    bucket_numel.back() += p.numel();
    bytes += size;
  }
  const auto options = params.front().second.options().dtype(torch::kFloat32);
  for (size_t b = 0; b < buckets_.size(); ++b) {
    buckets_[b].flat = torch::zeros({bucket_numel[b]}, options);
  }
  // Point every grad at its slice (bucket order is reverse parameter order inside a bucket too).
  std::vector<int64_t> offset(buckets_.size(), 0);
  torch::NoGradGuard no_grad;
  for (size_t k = params.size(); k-- > 0;) {
    torch::Tensor p = params[k].second;
    Bucket& bucket = buckets_[bucket_of_[k]];
    torch::Tensor view = bucket.flat.narrow(0, offset[bucket_of_[k]], p.numel()).view(p.sizes());
    offset[bucket_of_[k]] += p.numel();
    if (p.grad().defined()) view.copy_(p.grad());
    p.mutable_grad() = view;
    std::shared_ptr<torch::autograd::Node> accumulator = torch::autograd::impl::grad_accumulator(p);
    ILF_CHECK(accumulator != nullptr, "a parameter without a gradient accumulator");
    hook_keys_.push_back(accumulator->add_post_hook(
        std::make_unique<CompletionHook>([this, k] { OnGradientComplete(k); })));
    accumulators_.push_back(std::move(accumulator));
  }
}

GradientBuckets::~GradientBuckets() {
  for (size_t i = 0; i < accumulators_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
}

void GradientBuckets::Arm() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = true;
}

void GradientBuckets::OnGradientComplete(size_t param_index) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_) return;
  Bucket& bucket = buckets_[bucket_of_[param_index]];
  // A second gradient for a parameter whose bucket is already being summed would be lost.
  ILF_CHECK(!(seen_[param_index] && bucket.started),
            "a parameter's gradient grew after its bucket's all-reduce started");
  if (seen_[param_index]) return;
  seen_[param_index] = true;
  ++bucket.complete;
  StartReadyBuckets();
}

void GradientBuckets::StartReadyBuckets() {
  while (next_bucket_ < buckets_.size() &&
         buckets_[next_bucket_].complete == buckets_[next_bucket_].params) {
    buckets_[next_bucket_].started = true;
    group_.AllReduceSumAsync(buckets_[next_bucket_].flat);
    ++next_bucket_;
  }
}

void GradientBuckets::Finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
    started_in_backward_ = static_cast<int64_t>(next_bucket_);
    for (; next_bucket_ < buckets_.size(); ++next_bucket_) {
      buckets_[next_bucket_].started = true;
      group_.AllReduceSumAsync(buckets_[next_bucket_].flat);
    }
    next_bucket_ = 0;
    for (Bucket& bucket : buckets_) {
      bucket.complete = 0;
      bucket.started = false;
    }
    seen_.assign(seen_.size(), false);
  }
  group_.WaitAll();
}

}  // namespace ilf::lm
