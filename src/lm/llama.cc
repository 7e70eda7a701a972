#include "src/lm/llama.h"

#include <cmath>

#include "src/lm/activation_checkpoint.h"

namespace ilf::lm {

LlamaAttentionImpl::LlamaAttentionImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : heads_(c.num_attention_heads), kv_heads_(c.num_key_value_heads), head_dim_(c.head_dim) {
  int64_t d = c.hidden_size;
  q_proj = register_module("q_proj", Linear(d, heads_ * head_dim_, c.qkv_bias, options));
  k_proj = register_module("k_proj", Linear(d, kv_heads_ * head_dim_, c.qkv_bias, options));
  v_proj = register_module("v_proj", Linear(d, kv_heads_ * head_dim_, c.qkv_bias, options));
  o_proj = register_module("o_proj", Linear(heads_ * head_dim_, d, c.o_bias, options));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                          const torch::Tensor& sin,
                                          const torch::Tensor& grouped_mask, KvCache* cache,
                                          int64_t layer) {
  int64_t batch = x.size(0), len = x.size(1);
  torch::Tensor q =
      q_proj(x).view({batch, len, heads_, head_dim_}).transpose(1, 2);  // [B, H, T, hd]
  torch::Tensor k =
      k_proj(x).view({batch, len, kv_heads_, head_dim_}).transpose(1, 2);  // [B, KVH, T, hd]
  torch::Tensor v =
      v_proj(x).view({batch, len, kv_heads_, head_dim_}).transpose(1, 2);  // [B, KVH, T, hd]
  q = ApplyRope(q, cos, sin);                                              // [B, H, T, hd]
  k = ApplyRope(k, cos, sin);                                              // [B, KVH, T, hd]
  if (cache) std::tie(k, v) = cache->Store(layer, k, v);                   // [B, KVH, L, hd]
  torch::Tensor attn =
      Attend(q, k, v, grouped_mask, 1.0 / std::sqrt(double(head_dim_)));  // [B, T, H*hd]
  return o_proj(attn);                                                    // [B, T, D]
}

LlamaMlpImpl::LlamaMlpImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  gate_proj =
      register_module("gate_proj", Linear(c.hidden_size, c.intermediate_size, c.mlp_bias, options));
  up_proj =
      register_module("up_proj", Linear(c.hidden_size, c.intermediate_size, c.mlp_bias, options));
  down_proj =
      register_module("down_proj", Linear(c.intermediate_size, c.hidden_size, c.mlp_bias, options));
}

torch::Tensor LlamaMlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor gate = gate_proj(x);  // [B, T, I]
  torch::silu_(gate);
  return down_proj(gate.mul_(up_proj(x)));  // [B, T, D]
}

LlamaBlockImpl::LlamaBlockImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  input_layernorm =
      register_module("input_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps, options));
  self_attn = register_module("self_attn", LlamaAttention(c, options));
  post_attention_layernorm =
      register_module("post_attention_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps, options));
  mlp = register_module("mlp", LlamaMlp(c, options));
}

torch::Tensor LlamaBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                      const torch::Tensor& sin, const torch::Tensor& grouped_mask,
                                      KvCache* cache, int64_t layer) {
  torch::Tensor h =
      x + self_attn(input_layernorm(x), cos, sin, grouped_mask, cache, layer);  // [B, T, D]
  return h + mlp(post_attention_layernorm(h));                                  // [B, T, D]
}

LlamaBodyImpl::LlamaBodyImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  embed_tokens = register_module("embed_tokens", Embedding(c.vocab_size, c.hidden_size, options));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(LlamaBlock(c, options));
  norm = register_module("norm", RmsNorm(c.hidden_size, c.rms_norm_eps, options));
}

LlamaForCausalLmImpl::LlamaForCausalLmImpl(const ModelConfig& c,
                                           const torch::TensorOptions& options)
    : CausalLmImpl(c),
      rope_(c.head_dim, c.rope_theta, c.rope_linear_factor,
            std::min<int64_t>(c.max_position_embeddings, 4096), options) {
  model = register_module("model", LlamaBody(c, options));
  if (!c.tie_word_embeddings) {
    lm_head = register_module("lm_head", Linear(c.hidden_size, c.vocab_size, false, options));
  }
}

torch::Tensor LlamaForCausalLmImpl::Forward(const torch::Tensor& input_ids,
                                            const torch::Tensor& positions,
                                            const torch::Tensor& mask, KvCache* cache) {
  torch::Tensor x = model->embed_tokens(input_ids);  // [B, T, D]
  auto [cos, sin] = rope_.Lookup(positions);         // [B, 1, T, hd] each
  torch::Tensor grouped_mask =
      GroupMask(mask, config_.num_key_value_heads, config_.group_size());  // [B*KVH, G*T, L]
  for (size_t i = 0; i < model->layers->size(); ++i) {
    std::shared_ptr<LlamaBlockImpl> block = model->layers->ptr<LlamaBlockImpl>(i);
    if (activation_checkpointing_ && !cache) {
      auto layer = [block, cos = cos, sin = sin, grouped_mask, i](const torch::Tensor& h) {
        return block->forward(h, cos, sin, grouped_mask, nullptr, i);
      };
      x = CheckpointLayer(layer, x);  // [B, T, D]
      continue;
    }
    x = block->forward(x, cos, sin, grouped_mask, cache, i);  // [B, T, D]
  }
  if (cache) cache->Advance(input_ids.size(1));
  return model->norm(x);  // [B, T, D]
}

torch::Tensor LlamaForCausalLmImpl::Logits(const torch::Tensor& hidden) {
  return torch::linear(hidden, LmHeadWeight());  // [..., V]
}

torch::Tensor LlamaForCausalLmImpl::LmHeadWeight() {
  return lm_head ? lm_head->weight : model->embed_tokens->weight;  // [V, D]
}

}  // namespace ilf::lm
