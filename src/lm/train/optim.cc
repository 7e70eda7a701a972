#include "src/lm/train/optim.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"
#include "src/lm/train/pairs.h"

namespace ilf::lm {

AdamW::AdamW(NamedTensors params, AdamWOptions options)
    : params_(std::move(params)), options_(options) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : params_) {
    exp_avg_.push_back(torch::zeros_like(p, torch::kFloat32));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::kFloat32));
  }
}

void AdamW::Step(double lr) {
  torch::NoGradGuard no_grad;
  ++step_;
  const double bias1 = 1.0 - std::pow(options_.beta1, static_cast<double>(step_));
  const double bias2_sqrt = std::sqrt(1.0 - std::pow(options_.beta2, static_cast<double>(step_)));
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor& p = params_[i].second;
    if (!p.grad().defined()) continue;
    torch::Tensor g = p.grad().to(torch::kFloat32);
    if (options_.weight_decay != 0.0) p.mul_(1.0 - lr * options_.weight_decay);
    exp_avg_[i].mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
    exp_avg_sq_[i].mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
    // denom = sqrt(v) / sqrt(1 - beta2^t) + eps, built in a reused buffer: fresh multi-GiB
    // temporaries every step cost page faults that dominate a CPU step of a large model.
    if (scratch_.numel() < p.numel())
      scratch_ = torch::empty({p.numel()}, exp_avg_sq_[i].options());
    torch::Tensor denom = scratch_.narrow(0, 0, p.numel()).view(p.sizes());
    torch::sqrt_out(denom, exp_avg_sq_[i]);
    denom.div_(bias2_sqrt).add_(options_.eps);
    p.addcdiv_(exp_avg_[i].to(p.scalar_type()), denom.to(p.scalar_type()), -lr / bias1);
  }
}

void AdamW::ZeroGrad() {
  // In place (not set to none): the next backward accumulates into the same memory.
  for (auto& [name, p] : params_) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
}

NamedTensors AdamW::StateTensors() const {
  NamedTensors state;
  state.emplace_back("step", torch::tensor({step_}, torch::kInt64));
  for (size_t i = 0; i < params_.size(); ++i) {
    state.emplace_back("exp_avg/" + params_[i].first, exp_avg_[i]);
    state.emplace_back("exp_avg_sq/" + params_[i].first, exp_avg_sq_[i]);
  }
  return state;
}

void AdamW::LoadState(const std::map<std::string, torch::Tensor>& state,
                      const std::string& source) {
  auto get = [&](const std::string& name, const torch::Tensor& like) {
    auto it = state.find(name);
    if (it == state.end()) {
      throw Error(source + ": optimizer state has no tensor '" + name +
                  "' (hint: resume with the same model and LoRA settings as the first run)");
    }
    if (like.defined() && it->second.sizes() != like.sizes()) {
      throw Error(source + ": optimizer tensor '" + name + "' has shape " +
                  c10::str(it->second.sizes()) + ", the model expects " + c10::str(like.sizes()));
    }
    return it->second;
  };
  torch::NoGradGuard no_grad;
  step_ = get("step", torch::Tensor()).item<int64_t>();
  for (size_t i = 0; i < params_.size(); ++i) {
    exp_avg_[i].copy_(get("exp_avg/" + params_[i].first, exp_avg_[i]));
    exp_avg_sq_[i].copy_(get("exp_avg_sq/" + params_[i].first, exp_avg_sq_[i]));
  }
}

double LinearScheduleLr(double peak_lr, int64_t step, int64_t warmup_steps, int64_t total_steps) {
  if (step < warmup_steps) {
    return peak_lr * static_cast<double>(step) /
           static_cast<double>(std::max<int64_t>(1, warmup_steps));
  }
  const double left = static_cast<double>(total_steps - step) /
                      static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  return peak_lr * std::max(0.0, left);
}

double ClipGradNorm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  double sum_sq = 0.0;
  for (const torch::Tensor& p : params) {
    if (!p.grad().defined()) continue;
    const double norm = p.grad().to(torch::kFloat32).norm().item<double>();  // no temporary
    sum_sq += norm * norm;
  }
  const double norm = std::sqrt(sum_sq);
  if (max_norm > 0.0) {
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
      for (const torch::Tensor& p : params) {
        if (p.grad().defined()) p.grad().mul_(coef);
      }
    }
  }
  return norm;
}

torch::Tensor NextTokenLossSum(const torch::Tensor& logits, const torch::Tensor& labels) {
  ILF_CHECK(logits.dim() == 3 && labels.dim() == 2, "logits [B, T, V], labels [B, T]");
  const int64_t t = logits.size(1);
  const int64_t vocab = logits.size(2);
  torch::Tensor shifted = logits.slice(1, 0, t - 1).reshape({-1, vocab}).to(torch::kFloat32);
  torch::Tensor targets = labels.slice(1, 1, t).reshape({-1}).to(logits.device());
  return torch::nn::functional::cross_entropy(shifted, targets,
                                              torch::nn::functional::CrossEntropyFuncOptions()
                                                  .ignore_index(kIgnoreLabel)
                                                  .reduction(torch::kSum));
}

}  // namespace ilf::lm
