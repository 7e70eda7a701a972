#include "src/lm/gpt2.h"

#include <cmath>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/lm/activation_checkpoint.h"

namespace ilf::lm {

Gpt2AttentionImpl::Gpt2AttentionImpl(const ModelConfig& c, int64_t layer,
                                     const torch::TensorOptions& options)
    : heads_(c.num_attention_heads), head_dim_(c.head_dim), layer_(layer) {
  c_attn = register_module("c_attn", Conv1D(c.hidden_size, 3 * c.hidden_size, options));
  c_proj = register_module("c_proj", Conv1D(c.hidden_size, c.hidden_size, options));
  scale_ = c.scale_attn_weights ? 1.0 / std::sqrt(double(head_dim_)) : 1.0;
  if (c.scale_attn_by_inverse_layer_idx) scale_ /= double(layer + 1);
}

torch::Tensor Gpt2AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& grouped_mask,
                                         KvCache* cache) {
  int64_t batch = x.size(0), len = x.size(1), width = x.size(2);
  std::vector<torch::Tensor> qkv = c_attn(x).split(width, -1);                     // 3 x [B, T, D]
  torch::Tensor q = qkv[0].view({batch, len, heads_, head_dim_}).transpose(1, 2);  // [B, H, T, hd]
  torch::Tensor k = qkv[1].view({batch, len, heads_, head_dim_}).transpose(1, 2);  // [B, H, T, hd]
  torch::Tensor v = qkv[2].view({batch, len, heads_, head_dim_}).transpose(1, 2);  // [B, H, T, hd]
  if (cache) std::tie(k, v) = cache->Store(layer_, k, v);                          // [B, H, L, hd]
  return c_proj(Attend(q, k, v, grouped_mask, scale_));                            // [B, T, D]
}

Gpt2MlpImpl::Gpt2MlpImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : exact_gelu_(c.hidden_act == "gelu") {
  c_fc = register_module("c_fc", Conv1D(c.hidden_size, c.intermediate_size, options));
  c_proj = register_module("c_proj", Conv1D(c.intermediate_size, c.hidden_size, options));
}

torch::Tensor Gpt2MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = torch::gelu(c_fc(x), exact_gelu_ ? "none" : "tanh");  // [B, T, I]
  return c_proj(h);                                                       // [B, T, D]
}

Gpt2BlockImpl::Gpt2BlockImpl(const ModelConfig& c, int64_t layer,
                             const torch::TensorOptions& options) {
  ln_1 = register_module("ln_1", LayerNorm(c.hidden_size, c.layer_norm_epsilon, options));
  attn = register_module("attn", Gpt2Attention(c, layer, options));
  ln_2 = register_module("ln_2", LayerNorm(c.hidden_size, c.layer_norm_epsilon, options));
  mlp = register_module("mlp", Gpt2Mlp(c, options));
}

torch::Tensor Gpt2BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& grouped_mask,
                                     KvCache* cache) {
  torch::Tensor h = x + attn(ln_1(x), grouped_mask, cache);  // [B, T, D]
  return h + mlp(ln_2(h));                                   // [B, T, D]
}

Gpt2BodyImpl::Gpt2BodyImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  wte = register_module("wte", Embedding(c.vocab_size, c.hidden_size, options));
  wpe = register_module("wpe", Embedding(c.max_position_embeddings, c.hidden_size, options));
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) h->push_back(Gpt2Block(c, i, options));
  ln_f = register_module("ln_f", LayerNorm(c.hidden_size, c.layer_norm_epsilon, options));
}

Gpt2LmHeadModelImpl::Gpt2LmHeadModelImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : CausalLmImpl(c) {
  transformer = register_module("transformer", Gpt2Body(c, options));
  if (!c.tie_word_embeddings) {
    lm_head = register_module("lm_head", Linear(c.hidden_size, c.vocab_size, false, options));
  }
}

torch::Tensor Gpt2LmHeadModelImpl::Forward(const torch::Tensor& input_ids,
                                           const torch::Tensor& positions,
                                           const torch::Tensor& mask, KvCache* cache) {
  int64_t limit = config_.max_position_embeddings;
  if (positions.numel() && positions.max().item<int64_t>() >= limit) {
    throw Error(
        fmt::format("GPT-2 has learned positions for {} tokens (n_positions); this sequence "
                    "needs position {}; shorten the prompt or max new tokens",
                    limit, positions.max().item<int64_t>()));
  }
  torch::Tensor x = transformer->wte(input_ids) + transformer->wpe(positions);   // [B, T, D]
  torch::Tensor grouped_mask = GroupMask(mask, config_.num_attention_heads, 1);  // [B*H, T, L]
  for (size_t i = 0; i < transformer->h->size(); ++i) {
    std::shared_ptr<Gpt2BlockImpl> block = transformer->h->ptr<Gpt2BlockImpl>(i);
    if (activation_checkpointing_ && !cache) {
      auto layer = [block, grouped_mask](const torch::Tensor& h) {
        return block->forward(h, grouped_mask, nullptr);
      };
      x = CheckpointLayer(layer, x);  // [B, T, D]
      continue;
    }
    x = block->forward(x, grouped_mask, cache);  // [B, T, D]
  }
  if (cache) cache->Advance(input_ids.size(1));
  return transformer->ln_f(x);  // [B, T, D]
}

torch::Tensor Gpt2LmHeadModelImpl::Logits(const torch::Tensor& hidden) {
  return torch::linear(hidden, LmHeadWeight());  // [..., V]
}

torch::Tensor Gpt2LmHeadModelImpl::LmHeadWeight() {
  return lm_head ? lm_head->weight : transformer->wte->weight;  // [V, D]
}

}  // namespace ilf::lm
