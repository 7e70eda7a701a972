// CausalLm: a decoder-only transformer (Llama family or GPT-2) as a torch module whose parameters
// carry Hugging Face's names ("model.layers.3.self_attn.q_proj.weight",
// "transformer.h.0.attn.c_attn.weight"), so checkpoints bind by name and save back unchanged.
//
// Theory of operation. A forward pass takes token ids, their positions and an additive attention
// mask, and returns the final hidden states; Logits() applies the LM head to whichever positions
// the caller needs (generation: the last one; scoring: the continuation). With a KvCache the new
// positions' keys and values are appended to the cache and attention covers everything stored.
// Left-padded batches pass positions = cumsum(mask) - 1 and a mask that hides the padding, so a
// padded row computes exactly what it would alone.
//
// API note for src/lm/train (finetuning): parameters() / named_parameters() are the trainable HF
// tensors; train() / eval() as usual; ForwardLogits() below is the full-sequence forward with
// autograd. Keep using these; their meaning will not change.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <memory>
#include <string>

#include "src/lm/kv_cache.h"
#include "src/lm/model_config.h"

namespace ilf::lm {

class CausalLmImpl : public torch::nn::Module {
 public:
  explicit CausalLmImpl(ModelConfig config) : config_(std::move(config)) {}
  ~CausalLmImpl() override = default;

  // input_ids int64 [B, T]; positions int64 [B, T]; mask additive [B, 1, T, L] in the model dtype
  // where L = (cache ? cache->length() : 0) + T (see CausalMask). With a cache, stores this pass's
  // keys/values and advances it by T. Returns hidden states [B, T, hidden] after the final norm.
  virtual torch::Tensor Forward(const torch::Tensor& input_ids, const torch::Tensor& positions,
                                const torch::Tensor& mask, KvCache* cache) = 0;
  // hidden [..., hidden] -> logits [..., vocab] in the model dtype: linear(hidden, LmHeadWeight()).
  virtual torch::Tensor Logits(const torch::Tensor& hidden) = 0;
  // The LM head's weight [vocab rows, hidden] (the input embedding when they are tied).
  virtual torch::Tensor LmHeadWeight() = 0;

  const ModelConfig& config() const { return config_; }
  // The dtype and device the parameters live in.
  torch::TensorOptions options() const;
  // A cache sized for this model.
  std::unique_ptr<KvCache> MakeCache(int64_t batch, int64_t capacity) const;
  // Training only: when on, Forward without a cache recomputes each decoder layer's activations in
  // backward instead of storing them (src/lm/activation_checkpoint.h). Results are unchanged.
  void set_activation_checkpointing(bool on) { activation_checkpointing_ = on; }
  bool activation_checkpointing() const { return activation_checkpointing_; }

 protected:
  ModelConfig config_;
  bool activation_checkpointing_ = false;  // see set_activation_checkpointing
};

// A model of `config` with uninitialised parameters on options' device and dtype.
std::shared_ptr<CausalLmImpl> MakeCausalLm(const ModelConfig& config,
                                           const torch::TensorOptions& options);

// Full-sequence logits, for training and scoring: input_ids [B, T]; attention_mask [B, T] (1 = real
// token, 0 = padding; right or left padding; undefined = all real). Returns logits [B, T, vocab].
torch::Tensor ForwardLogits(CausalLmImpl& model, const torch::Tensor& input_ids,
                            const torch::Tensor& attention_mask = {});

// Positions of a padded batch: cumsum(mask) - 1, clamped at 0 for padding. mask [B, T] -> [B, T].
torch::Tensor PositionsFromMask(const torch::Tensor& attention_mask);

}  // namespace ilf::lm
