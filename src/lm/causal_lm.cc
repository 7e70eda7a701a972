#include "src/lm/causal_lm.h"

#include "src/lm/gpt2.h"
#include "src/lm/layers.h"
#include "src/lm/llama.h"

namespace ilf::lm {

torch::TensorOptions CausalLmImpl::options() const {
  torch::Tensor any = parameters().front();
  return torch::TensorOptions().dtype(any.scalar_type()).device(any.device());
}

std::unique_ptr<KvCache> CausalLmImpl::MakeCache(int64_t batch, int64_t capacity) const {
  return std::make_unique<KvCache>(config_.num_hidden_layers, batch, config_.num_key_value_heads,
                                   capacity, config_.head_dim, options());
}

std::shared_ptr<CausalLmImpl> MakeCausalLm(const ModelConfig& config,
                                           const torch::TensorOptions& options) {
  if (config.family == Family::kGpt2) return std::make_shared<Gpt2LmHeadModelImpl>(config, options);
  return std::make_shared<LlamaForCausalLmImpl>(config, options);
}

torch::Tensor PositionsFromMask(const torch::Tensor& attention_mask) {
  return (attention_mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0);  // [B, T]
}

torch::Tensor ForwardLogits(CausalLmImpl& model, const torch::Tensor& input_ids,
                            const torch::Tensor& attention_mask) {
  torch::Tensor valid = attention_mask.defined()
                            ? attention_mask.to(input_ids.device()).to(torch::kBool)
                            : torch::ones_like(input_ids, torch::kBool);  // [B, T]
  torch::Tensor positions = PositionsFromMask(valid);                     // [B, T]
  torch::Tensor mask =
      CausalMask(valid, input_ids.size(1), model.options().dtype().toScalarType());  // [B, 1, T, T]
  torch::Tensor hidden = model.Forward(input_ids, positions, mask, nullptr);         // [B, T, D]
  return model.Logits(hidden);                                                       // [B, T, V]
}

}  // namespace ilf::lm
