// LoRA (Hu et al. 2021) for finetuning: W = W0 + (alpha/rank) · B A on chosen projections.
//
// Theory of operation. The model's projection layers (src/lm/layers.h Linear and GPT-2's Conv1D)
// compute with their public `weight` member. LoraAdapters freezes every base parameter, keeps the
// registered W0 untouched, and before each forward (Apply) points the member at the differentiable
// W0 + s·B·A, so gradients reach only A [rank, in] and B [out, rank]. B starts at zero (the model
// is unchanged at step 0) and A like PEFT's kaiming-uniform. With dropout > 0 (PEFT's
// lora_dropout, applied to the branch input) the weight stays W0 and Apply instead sets the layer's
// LowRankBranch (src/lm/layers.h): y = x W0^T + s·dropout(x) A^T B^T, dropout only in training
// mode (eval mode computes the merged weight's output). Saving merges: MergedWeights() gives W0 +
// s·B·A under the Hugging Face names, so a checkpoint is a plain model that any loader reads. Not
// thread-safe; copying is deleted.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/lm/causal_lm.h"
#include "src/lm/layers.h"
#include "src/lm/train/lora_config.h"
#include "src/lm/train/optim.h"

namespace ilf::lm {

class LoraAdapters {
 public:
  // Adapts every Linear/Conv1D of `model` whose name ends in one of config.target_modules and
  // freezes all base parameters. Throws ilf::Error listing the model's projection names when a
  // target matches nothing. `seed` draws A.
  LoraAdapters(CausalLmImpl& model, const LoraConfig& config, uint64_t seed);
  ~LoraAdapters();
  LoraAdapters(const LoraAdapters&) = delete;
  LoraAdapters& operator=(const LoraAdapters&) = delete;

  // Points each adapted layer's weight at W0 + s·B·A (call before every forward with autograd).
  void Apply();
  // (With dropout, sets each layer's LowRankBranch instead and leaves the weight at W0.)
  // Points the layers back at W0 and clears the branches (also done by the destructor).
  void Restore();
  // The trainable tensors: "<layer>.lora_A.weight" [r, in], "<layer>.lora_B.weight" [out, r].
  NamedTensors Parameters() const;
  // Loads Parameters() values; throws ilf::Error naming `source` and the tensor on a mismatch.
  void Load(const std::map<std::string, torch::Tensor>& tensors, const std::string& source);
  // All model weights by Hugging Face name, adapted ones merged (detached copies where merged).
  NamedTensors MergedWeights() const;
  int64_t adapted_layers() const { return static_cast<int64_t>(layers_.size()); }

 private:
  struct Layer {
    std::string name;            // module name, e.g. "model.layers.0.self_attn.q_proj"
    torch::Tensor* weight_slot;  // the module's public weight member
    LowRankBranch* branch_slot;  // the module's public branch member
    torch::Tensor base;          // W0, the registered parameter (frozen)
    bool transposed;             // Conv1D: weight is [in, out]
    torch::Tensor a, b;          // [r, in], [out, r]
  };
  torch::Tensor Delta(const Layer& layer) const;  // s·B·A in the base weight's layout
  CausalLmImpl& model_;
  double scale_;
  double dropout_;
  std::vector<Layer> layers_;
};

}  // namespace ilf::lm
