#include "src/lm/weights.h"

#include <cmath>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/lm/torch_compat.h"

namespace ilf::lm {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Checkpoint tensors that carry no learned weight of ours.
bool Tolerated(const ModelConfig& config, const std::string& name) {
  if (config.tie_word_embeddings && name == "lm_head.weight") return true;
  if (EndsWith(name, ".attn.bias") || EndsWith(name, ".attn.masked_bias")) {
    return config.family == Family::kGpt2;
  }
  return EndsWith(name, "rotary_emb.inv_freq");
}

// The checkpoint's name for parameter `name`, "" if absent.
std::string CheckpointName(const ModelConfig& config, const Checkpoint& checkpoint,
                           const std::string& name) {
  if (checkpoint.Find(name)) return name;
  const std::string prefix = "transformer.";
  if (config.family == Family::kGpt2 && name.rfind(prefix, 0) == 0 &&
      checkpoint.Find(name.substr(prefix.size()))) {
    return name.substr(prefix.size());
  }
  return "";
}

constexpr size_t kMaxListed = 20;

void AppendList(std::string& message, const std::string& title,
                const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  message += fmt::format("\n  {} ({}):", title, lines.size());
  for (size_t i = 0; i < lines.size() && i < kMaxListed; ++i) message += "\n    " + lines[i];
  if (lines.size() > kMaxListed)
    message += fmt::format("\n    ... and {} more", lines.size() - kMaxListed);
}

}  // namespace

void BindWeights(CausalLmImpl& model, const Checkpoint& checkpoint) {
  torch::NoGradGuard no_grad;
  const ModelConfig& config = model.config();
  std::vector<std::string> missing, mismatched, bad_dtype, unexpected;
  std::set<std::string> used;
  for (const auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor param = item.value();
    std::string source = CheckpointName(config, checkpoint, name);
    if (source.empty()) {
      missing.push_back(
          fmt::format("tensor '{}' (model expects shape {})", name, ShapeString(param.sizes())));
      continue;
    }
    used.insert(source);
    const TensorInfo& info = *checkpoint.Find(source);
    if (info.shape != param.sizes().vec()) {
      mismatched.push_back(fmt::format("tensor '{}': shape {} in checkpoint {}, model expects {}",
                                       source, ShapeString(info.shape), checkpoint.FileOf(source),
                                       ShapeString(param.sizes())));
      continue;
    }
    if (info.dtype != "F32" && info.dtype != "F16" && info.dtype != "BF16" && info.dtype != "F64") {
      bad_dtype.push_back(
          fmt::format("tensor '{}': dtype {} in checkpoint {}, expected a float type "
                      "(F32, F16, BF16)",
                      source, info.dtype, checkpoint.FileOf(source)));
      continue;
    }
    param.copy_(checkpoint.View(source));  // converts dtype, moves to the parameter's device
  }
  for (const std::string& name : checkpoint.Names()) {
    if (!used.count(name) && !Tolerated(config, name)) {
      const TensorInfo& info = *checkpoint.Find(name);
      unexpected.push_back(fmt::format("tensor '{}' (shape {}, in {})", name,
                                       ShapeString(info.shape), checkpoint.FileOf(name)));
    }
  }
  if (missing.empty() && mismatched.empty() && bad_dtype.empty() && unexpected.empty()) return;
  std::string message = fmt::format("{}: checkpoint does not match the {} model of its config.json",
                                    checkpoint.path(), config.architecture);
  AppendList(message, "shape mismatches", mismatched);
  AppendList(message, "wrong dtypes", bad_dtype);
  AppendList(message, "missing from the checkpoint", missing);
  AppendList(message, "unexpected in the checkpoint", unexpected);
  message += "\n  hint: check that config.json belongs to these weights";
  throw Error(message);
}

void InitWeights(CausalLmImpl& model, uint64_t seed) {
  torch::NoGradGuard no_grad;
  const ModelConfig& config = model.config();
  at::Generator generator = compat::MakeCpuGenerator(seed);
  double std_dev = config.initializer_range;
  double residual_std = std_dev / std::sqrt(2.0 * config.num_hidden_layers);
  for (const auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor param = item.value();
    bool is_norm = name.find("norm") != std::string::npos ||
                   name.find(".ln_") != std::string::npos ||
                   name.find("ln_f.") != std::string::npos;
    if (EndsWith(name, ".bias")) {
      param.zero_();
    } else if (is_norm) {
      param.fill_(1.0);
    } else {
      bool gpt2_residual = config.family == Family::kGpt2 && EndsWith(name, "c_proj.weight");
      // Drawn on the CPU in float32 so the values do not depend on the device or dtype.
      torch::Tensor values = torch::empty(param.sizes(), torch::kFloat);
      values.normal_(0.0, gpt2_residual ? residual_std : std_dev, generator);
      param.copy_(values);
    }
  }
}

std::vector<std::pair<std::string, torch::Tensor>> NamedWeights(CausalLmImpl& model) {
  std::vector<std::pair<std::string, torch::Tensor>> weights;
  for (const auto& item : model.named_parameters()) weights.emplace_back(item.key(), item.value());
  return weights;
}

std::shared_ptr<CausalLmImpl> LoadCausalLm(const std::string& dir,
                                           const torch::TensorOptions& options) {
  ModelConfig config = LoadModelConfig(dir);
  Checkpoint checkpoint(dir);
  std::shared_ptr<CausalLmImpl> model = MakeCausalLm(config, options);
  BindWeights(*model, checkpoint);
  model->eval();
  return model;
}

}  // namespace ilf::lm
