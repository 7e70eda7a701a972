#include "src/lm/train/lora.h"

#include <cmath>

#include "src/core/error.h"
#include "src/lm/layers.h"
#include "src/lm/torch_compat.h"

namespace ilf::lm {

LoraAdapters::LoraAdapters(CausalLmImpl& model, const LoraConfig& config, uint64_t seed)
    : model_(model),
      scale_(config.alpha / static_cast<double>(config.rank)),
      dropout_(config.dropout) {
  ILF_CHECK(config.rank > 0, "LoRA needs a positive rank");
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw Error("--lora-dropout must be in [0, 1), got " + std::to_string(config.dropout));
  }
  for (auto& p : model.parameters()) p.set_requires_grad(false);
  at::Generator generator = compat::MakeCpuGenerator(seed);
  std::vector<std::string> projections;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    torch::Tensor* slot = nullptr;
    LowRankBranch* branch = nullptr;
    bool transposed = false;
    if (auto* linear = dynamic_cast<LinearImpl*>(item.value().get())) {
      slot = &linear->weight;
      branch = &linear->branch;
    } else if (auto* conv = dynamic_cast<Conv1DImpl*>(item.value().get())) {
      slot = &conv->weight;
      branch = &conv->branch;
      transposed = true;
    } else {
      continue;
    }
    const std::string& name = item.key();
    projections.push_back(name);
    const std::string last = name.substr(name.rfind('.') + 1);
    bool wanted = false;
    for (const std::string& target : config.target_modules) wanted |= (target == last);
    if (!wanted) continue;
    const int64_t in = transposed ? slot->size(0) : slot->size(1);
    const int64_t out = transposed ? slot->size(1) : slot->size(0);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));  // kaiming_uniform(a=sqrt(5))
    torch::Tensor a =
        torch::empty({config.rank, in}, torch::kFloat32).uniform_(-bound, bound, generator);
    auto options = slot->options().dtype(torch::kFloat32);
    layers_.push_back({name, slot, branch, *slot, transposed, a.to(options).requires_grad_(true),
                       torch::zeros({out, config.rank}, options).requires_grad_(true)});
  }
  for (const std::string& target : config.target_modules) {
    bool found = false;
    for (const Layer& layer : layers_)
      found |= layer.name.substr(layer.name.rfind('.') + 1) == target;
    if (!found) {
      std::string names;
      for (size_t i = 0; i < projections.size() && i < 12; ++i) names += " " + projections[i];
      throw Error("--lora-targets: no projection named '" + target + "' in the " +
                  model.config().architecture + " model (its projections include:" + names + ")");
    }
  }
}

LoraAdapters::~LoraAdapters() { Restore(); }

torch::Tensor LoraAdapters::Delta(const Layer& layer) const {
  torch::Tensor delta = torch::mm(layer.b, layer.a).mul(scale_);  // [out, in]
  return (layer.transposed ? delta.t() : delta).to(layer.base.scalar_type());
}

void LoraAdapters::Apply() {
  for (Layer& layer : layers_) {
    if (dropout_ > 0) {
      *layer.branch_slot = LowRankBranch{layer.a, layer.b, scale_, dropout_};
    } else {
      *layer.weight_slot = layer.base + Delta(layer);
    }
  }
}

void LoraAdapters::Restore() {
  for (Layer& layer : layers_) {
    *layer.weight_slot = layer.base;
    *layer.branch_slot = LowRankBranch{};
  }
}

NamedTensors LoraAdapters::Parameters() const {
  NamedTensors params;
  for (const Layer& layer : layers_) {
    params.emplace_back(layer.name + ".lora_A.weight", layer.a);
    params.emplace_back(layer.name + ".lora_B.weight", layer.b);
  }
  return params;
}

void LoraAdapters::Load(const std::map<std::string, torch::Tensor>& tensors,
                        const std::string& source) {
  torch::NoGradGuard no_grad;
  for (auto& [name, param] : Parameters()) {
    auto it = tensors.find(name);
    if (it == tensors.end() || it->second.sizes() != param.sizes()) {
      throw Error(
          source + ": LoRA tensor '" + name + "' " +
          (it == tensors.end() ? "is missing" : "has shape " + c10::str(it->second.sizes())) +
          ", expected " + c10::str(param.sizes()) +
          " (hint: resume with the same --lora-rank and --lora-targets)");
    }
    param.copy_(it->second);
  }
}

NamedTensors LoraAdapters::MergedWeights() const {
  torch::NoGradGuard no_grad;
  std::map<const void*, const Layer*> by_base;
  for (const Layer& layer : layers_) by_base[layer.base.unsafeGetTensorImpl()] = &layer;
  NamedTensors weights;
  for (const auto& item : model_.named_parameters()) {
    auto it = by_base.find(item.value().unsafeGetTensorImpl());
    weights.emplace_back(item.key(),
                         it == by_base.end() ? item.value() : item.value() + Delta(*it->second));
  }
  return weights;
}

}  // namespace ilf::lm
