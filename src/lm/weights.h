// Filling a model's parameters: from a checkpoint by Hugging Face name, or randomly like Hugging
// Face's _init_weights (for init-model and benchmarks).
//
// Binding checks every parameter: present in the checkpoint, exactly the same shape, a floating
// dtype (F32/F16/BF16/F64, converted to the model's dtype). All problems are collected and thrown
// as one ilf::Error listing missing tensors (with the shape the model expects), shape mismatches
// ("tensor 'model.layers.3.self_attn.q_proj.weight': shape [896, 896] in checkpoint, model
// expects [896, 1024]") and unexpected tensors. Tolerated extras: lm_head.weight of a tied model,
// GPT-2's attention-mask buffers (attn.bias, attn.masked_bias) and rotary inv_freq buffers. GPT-2
// checkpoints without the "transformer." prefix (the original OpenAI export) bind too.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "src/lm/causal_lm.h"
#include "src/lm/safetensors.h"

namespace ilf::lm {

// Copies every parameter of `model` from `checkpoint`; throws ilf::Error as described above.
void BindWeights(CausalLmImpl& model, const Checkpoint& checkpoint);

// Hugging Face's initialisation, seeded: weights ~ normal(0, initializer_range) (GPT-2's c_proj
// weights scaled by 1/sqrt(2 * n_layer)), biases 0, norm weights 1 (norm biases 0). Deterministic
// for a given seed and config, on any device.
void InitWeights(CausalLmImpl& model, uint64_t seed);

// The parameters as (Hugging Face name, tensor) pairs, for WriteSafetensors.
std::vector<std::pair<std::string, torch::Tensor>> NamedWeights(CausalLmImpl& model);

// Loads config.json and the safetensors weights of `dir` onto options' device and dtype, in eval().
std::shared_ptr<CausalLmImpl> LoadCausalLm(const std::string& dir,
                                           const torch::TensorOptions& options);

}  // namespace ilf::lm
