// The Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM) in data-flow order:
// embed -> N x [RMSNorm -> attention with RoPE (GQA) -> residual -> RMSNorm -> SwiGLU -> residual]
// -> RMSNorm -> lm_head (or the embedding, when tied). Module names follow Hugging Face.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "src/lm/causal_lm.h"
#include "src/lm/layers.h"

namespace ilf::lm {

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  LlamaAttentionImpl(const ModelConfig& config, const torch::TensorOptions& options);
  // x [B, T, D]; cos/sin [B, 1, T, hd]; grouped mask [B*KVH, G*T, L]. Returns [B, T, D].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& grouped_mask, KvCache* cache, int64_t layer);
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(LlamaAttention);

class LlamaMlpImpl : public torch::nn::Module {
 public:
  LlamaMlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // [B, T, D] -> [B, T, D]
  Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMlp);

class LlamaBlockImpl : public torch::nn::Module {
 public:
  LlamaBlockImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& grouped_mask, KvCache* cache, int64_t layer);
  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  LlamaAttention self_attn{nullptr};
  LlamaMlp mlp{nullptr};
};
TORCH_MODULE(LlamaBlock);

// "model.*": the embedding, the blocks and the final norm.
class LlamaBodyImpl : public torch::nn::Module {
 public:
  LlamaBodyImpl(const ModelConfig& config, const torch::TensorOptions& options);
  Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RmsNorm norm{nullptr};
};
TORCH_MODULE(LlamaBody);

class LlamaForCausalLmImpl : public CausalLmImpl {
 public:
  LlamaForCausalLmImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor Forward(const torch::Tensor& input_ids, const torch::Tensor& positions,
                        const torch::Tensor& mask, KvCache* cache) override;
  torch::Tensor Logits(const torch::Tensor& hidden) override;
  torch::Tensor LmHeadWeight() override;

  LlamaBody model{nullptr};
  Linear lm_head{nullptr};  // null when tie_word_embeddings

 private:
  RotaryTable rope_;
};

}  // namespace ilf::lm
