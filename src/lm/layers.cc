#include "src/lm/layers.h"

#include <limits>

#include "src/core/error.h"
#include "src/lm/torch_compat.h"

namespace ilf::lm {

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias,
                       const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({out, in}, options));
  if (with_bias) bias = register_parameter("bias", torch::empty({out}, options));
}

torch::Tensor LowRankBranch::Apply(const torch::Tensor& x, bool training) const {
  torch::Tensor dropped = training && dropout > 0 ? torch::dropout(x, dropout, true) : x;
  torch::Tensor low = torch::linear(dropped, a.to(x.scalar_type()));  // [..., r]
  return torch::linear(low, b.to(x.scalar_type())).mul(scale);        // [..., out]
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = torch::linear(x, weight, bias);  // [..., out]
  if (!branch.a.defined()) return y;
  return y + branch.Apply(x, is_training()).to(y.scalar_type());
}

Conv1DImpl::Conv1DImpl(int64_t in, int64_t out, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({in, out}, options));
  bias = register_parameter("bias", torch::empty({out}, options));
}

torch::Tensor Conv1DImpl::forward(const torch::Tensor& x) {
  auto out_shape = x.sizes().vec();
  out_shape.back() = weight.size(1);
  torch::Tensor flat = x.reshape({-1, x.size(-1)});                    // [N, in]
  torch::Tensor y = torch::addmm(bias, flat, weight).view(out_shape);  // [..., out]
  if (!branch.a.defined()) return y;
  return y + branch.Apply(x, is_training()).to(y.scalar_type());
}

EmbeddingImpl::EmbeddingImpl(int64_t rows, int64_t dim, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({rows, dim}, options));
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& ids) {
  auto shape = ids.sizes().vec();
  shape.push_back(weight.size(1));
  return weight.index_select(0, ids.reshape({-1})).view(shape);
}

RmsNormImpl::RmsNormImpl(int64_t dim, double eps_in, const torch::TensorOptions& options)
    : eps(eps_in) {
  weight = register_parameter("weight", torch::empty({dim}, options));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  torch::Tensor x32 = x.to(torch::kFloat);                            // [..., dim]
  torch::Tensor inv_rms = (x32.pow(2).mean(-1, true) + eps).rsqrt();  // [..., 1]
  return weight * (x32 * inv_rms).to(x.scalar_type());                // [..., dim]
}

LayerNormImpl::LayerNormImpl(int64_t dim, double eps_in, const torch::TensorOptions& options)
    : eps(eps_in) {
  weight = register_parameter("weight", torch::empty({dim}, options));
  bias = register_parameter("bias", torch::empty({dim}, options));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {x.size(-1)}, weight, bias, eps);
}

RotaryTable::RotaryTable(int64_t head_dim, double theta, double linear_factor,
                         int64_t max_positions, const torch::TensorOptions& options)
    : head_dim_(head_dim), theta_(theta), linear_factor_(linear_factor), options_(options) {
  Build(max_positions);
}

void RotaryTable::Build(int64_t max_positions) {
  // Float32 throughout, in Hugging Face's order of operations, then cast once to the model dtype.
  auto f32 = torch::TensorOptions().dtype(torch::kFloat);
  torch::Tensor exponent =
      torch::arange(0, head_dim_, 2, torch::kLong).to(torch::kFloat) / head_dim_;
  torch::Tensor inv_freq = 1.0 / torch::pow(theta_, exponent);  // [hd / 2]
  if (linear_factor_ != 1.0) inv_freq = inv_freq / linear_factor_;
  torch::Tensor t = torch::arange(max_positions, f32);  // [P]
  torch::Tensor freqs = torch::outer(t, inv_freq);      // [P, hd / 2]
  torch::Tensor emb = torch::cat({freqs, freqs}, -1);   // [P, hd]
  cos_ = emb.cos().to(options_);
  sin_ = emb.sin().to(options_);
}

std::pair<torch::Tensor, torch::Tensor> RotaryTable::Lookup(const torch::Tensor& positions) {
  int64_t needed = positions.numel() ? positions.max().item<int64_t>() + 1 : 0;
  if (needed > cos_.size(0)) Build(std::max(needed, 2 * cos_.size(0)));
  int64_t batch = positions.size(0), len = positions.size(1);
  torch::Tensor flat = positions.reshape({-1});
  torch::Tensor cos = cos_.index_select(0, flat).view({batch, 1, len, head_dim_});  // [B, 1, T, hd]
  torch::Tensor sin = sin_.index_select(0, flat).view({batch, 1, len, head_dim_});  // [B, 1, T, hd]
  return {cos, sin};
}

torch::Tensor ApplyRope(const torch::Tensor& x, const torch::Tensor& cos,
                        const torch::Tensor& sin) {
  int64_t half = x.size(-1) / 2;
  torch::Tensor x1 = x.narrow(-1, 0, half);           // [B, H, T, hd / 2]
  torch::Tensor x2 = x.narrow(-1, half, half);        // [B, H, T, hd / 2]
  torch::Tensor rotated = torch::cat({-x2, x1}, -1);  // [B, H, T, hd]
  return x * cos + rotated * sin;                     // [B, H, T, hd]
}

double MaskedValue(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kHalf:
      return -65504.0;
    case torch::kBFloat16:
      return -3.3895313892515355e38;
    case torch::kDouble:
      return std::numeric_limits<double>::lowest();
    default:
      return std::numeric_limits<float>::lowest();
  }
}

torch::Tensor CausalMask(const torch::Tensor& key_valid, int64_t query_len,
                         torch::ScalarType dtype) {
  int64_t batch = key_valid.size(0), keys = key_valid.size(1);
  ILF_CHECK(query_len <= keys, "more queries than keys");
  auto long_options = torch::TensorOptions().dtype(torch::kLong).device(key_valid.device());
  torch::Tensor query_pos =
      torch::arange(keys - query_len, keys, long_options).view({query_len, 1});
  torch::Tensor key_pos = torch::arange(keys, long_options).view({1, keys});
  torch::Tensor allowed = key_pos.le(query_pos).view({1, 1, query_len, keys}) &
                          key_valid.to(torch::kBool).view({batch, 1, 1, keys});  // [B, 1, T, L]
  torch::Tensor mask = torch::zeros({batch, 1, query_len, keys},
                                    torch::TensorOptions().dtype(dtype).device(key_valid.device()));
  return mask.masked_fill_(allowed.logical_not(), MaskedValue(dtype));  // [B, 1, T, L]
}

torch::Tensor GroupMask(const torch::Tensor& mask, int64_t kv_heads, int64_t group) {
  int64_t batch = mask.size(0), len = mask.size(2), keys = mask.size(3);
  return mask
      .unsqueeze(2)                                     // [B, 1, 1, T, L]
      .expand({batch, kv_heads, group, len, keys})      // [B, KVH, G, T, L]
      .reshape({batch * kv_heads, group * len, keys});  // [B * KVH, G * T, L]
}

torch::Tensor Attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& grouped_mask, double scale) {
  int64_t batch = q.size(0), heads = q.size(1), len = q.size(2), head_dim = q.size(3);
  int64_t kv_heads = k.size(1), keys = k.size(2);
  int64_t group = heads / kv_heads;
  // Query heads h = kvh * group + g share key/value head kvh, so [B, H, T, hd] regroups as
  // [B * KVH, G * T, hd] without repeating k and v.
  torch::Tensor qg = q.reshape({batch * kv_heads, group * len, head_dim});  // [B*KVH, G*T, hd]
  torch::Tensor kg = k.reshape({batch * kv_heads, keys, head_dim});         // [B*KVH, L, hd]
  torch::Tensor vg = v.reshape({batch * kv_heads, keys, head_dim});         // [B*KVH, L, hd]
  torch::Tensor out = compat::Attention(qg, kg, vg, grouped_mask, scale);   // [B*KVH, G*T, hd]
  return out
      .view({batch, heads, len, head_dim})       // [B, H, T, hd]
      .transpose(1, 2)                           // [B, T, H, hd]
      .reshape({batch, len, heads * head_dim});  // [B, T, H*hd]
}

}  // namespace ilf::lm
