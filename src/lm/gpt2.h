// GPT-2 (GPT2LMHeadModel) in data-flow order: token + learned position embeddings -> N x [LayerNorm
// -> attention -> residual -> LayerNorm -> GELU MLP -> residual] -> LayerNorm -> lm_head (tied to
// the token embedding unless the config unties it). Weights are Conv1D ([in, out]) as in Hugging
// Face, so checkpoints bind unchanged.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "src/lm/causal_lm.h"
#include "src/lm/layers.h"

namespace ilf::lm {

class Gpt2AttentionImpl : public torch::nn::Module {
 public:
  Gpt2AttentionImpl(const ModelConfig& config, int64_t layer, const torch::TensorOptions& options);
  // x [B, T, D]; grouped mask [B*H, T, L]. Returns [B, T, D].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& grouped_mask, KvCache* cache);
  Conv1D c_attn{nullptr}, c_proj{nullptr};

 private:
  int64_t heads_, head_dim_, layer_;
  double scale_;
};
TORCH_MODULE(Gpt2Attention);

class Gpt2MlpImpl : public torch::nn::Module {
 public:
  Gpt2MlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // [B, T, D] -> [B, T, D]
  Conv1D c_fc{nullptr}, c_proj{nullptr};

 private:
  bool exact_gelu_;
};
TORCH_MODULE(Gpt2Mlp);

class Gpt2BlockImpl : public torch::nn::Module {
 public:
  Gpt2BlockImpl(const ModelConfig& config, int64_t layer, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& grouped_mask, KvCache* cache);
  LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Gpt2Attention attn{nullptr};
  Gpt2Mlp mlp{nullptr};
};
TORCH_MODULE(Gpt2Block);

// "transformer.*".
class Gpt2BodyImpl : public torch::nn::Module {
 public:
  Gpt2BodyImpl(const ModelConfig& config, const torch::TensorOptions& options);
  Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList h{nullptr};
  LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Gpt2Body);

class Gpt2LmHeadModelImpl : public CausalLmImpl {
 public:
  Gpt2LmHeadModelImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor Forward(const torch::Tensor& input_ids, const torch::Tensor& positions,
                        const torch::Tensor& mask, KvCache* cache) override;
  torch::Tensor Logits(const torch::Tensor& hidden) override;
  torch::Tensor LmHeadWeight() override;

  Gpt2Body transformer{nullptr};
  Linear lm_head{nullptr};  // null when tied (the default)
};

}  // namespace ilf::lm
