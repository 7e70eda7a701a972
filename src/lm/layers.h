// Building blocks shared by the Llama-family and GPT-2 models: parameter-holding layers whose
// parameter names are Hugging Face's ("weight", "bias"), rotary position embeddings, attention
// masks and grouped-query attention.
//
// Layers allocate their parameters uninitialised (torch::empty) on the requested device and dtype:
// a model is always filled afterwards, from a checkpoint (BindWeights) or by InitWeights.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace ilf::lm {

// An optional low-rank branch added to a projection's output, set by LoRA training
// (src/lm/train/lora.h) when it uses dropout: scale · dropout(x) A^T B^T, dropout only in training
// mode. Empty (a undefined) = no branch.
struct LowRankBranch {
  torch::Tensor a, b;    // [r, in], [out, r]
  double scale = 1.0;    // alpha / r
  double dropout = 0.0;  // probability of zeroing an element of the branch input (training only)
  // x [..., in] -> [..., out] in x's dtype.
  torch::Tensor Apply(const torch::Tensor& x, bool training) const;
};

// y = x W^T + b with W [out, in] (torch.nn.Linear / Hugging Face *_proj), plus `branch` when set.
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out, bool bias, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // [..., in] -> [..., out]
  torch::Tensor weight, bias;                     // [out, in], [out] or undefined
  LowRankBranch branch;                           // LoRA-with-dropout path; empty by default
};
TORCH_MODULE(Linear);

// y = x W + b with W [in, out]: GPT-2's Conv1D (the transpose of Linear's layout).
class Conv1DImpl : public torch::nn::Module {
 public:
  Conv1DImpl(int64_t in, int64_t out, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // [..., in] -> [..., out]
  torch::Tensor weight, bias;                     // [in, out], [out]
  LowRankBranch branch;                           // LoRA-with-dropout path; empty by default
};
TORCH_MODULE(Conv1D);

class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t rows, int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& ids);  // int64 [...] -> [..., dim]
  torch::Tensor weight;                             // [rows, dim]
};
TORCH_MODULE(Embedding);

// Llama's RMSNorm: computed in float32, scaled by weight in the input dtype (as Hugging Face does).
class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // [..., dim] -> [..., dim]
  torch::Tensor weight;                           // [dim]
  double eps;
};
TORCH_MODULE(RmsNorm);

class LayerNormImpl : public torch::nn::Module {
 public:
  LayerNormImpl(int64_t dim, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // [..., dim] -> [..., dim]
  torch::Tensor weight, bias;                     // [dim], [dim]
  double eps;
};
TORCH_MODULE(LayerNorm);

// cos/sin tables of RoPE for positions [0, max_positions), Hugging Face's "default" rope with
// rotate_half (the two halves of each head are the pairs being rotated).
class RotaryTable {
 public:
  RotaryTable(int64_t head_dim, double theta, double linear_factor, int64_t max_positions,
              const torch::TensorOptions& options);
  // positions int64 [B, T] -> cos, sin [B, 1, T, head_dim] in the table's dtype. Positions past the
  // table grow it (RoPE has no hard length limit).
  std::pair<torch::Tensor, torch::Tensor> Lookup(const torch::Tensor& positions);

 private:
  void Build(int64_t max_positions);
  int64_t head_dim_;
  double theta_, linear_factor_;
  torch::TensorOptions options_;
  torch::Tensor cos_, sin_;  // [max_positions, head_dim]
};

// x * cos + rotate_half(x) * sin.  x [B, H, T, head_dim]; cos, sin [B, 1, T, head_dim].
torch::Tensor ApplyRope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// The additive value for "may not attend": a large finite negative (the dtype's lowest), so a row
// with every key masked (a padding query) averages instead of producing NaN.
double MaskedValue(torch::ScalarType dtype);

// Additive attention mask [B, 1, T, L] for the last T of L positions: query t (absolute position
// L - T + t) sees key j when j <= L - T + t and key_valid[b, j]. key_valid: bool [B, L].
torch::Tensor CausalMask(const torch::Tensor& key_valid, int64_t query_len,
                         torch::ScalarType dtype);

// Repeats a [B, 1, T, L] mask for grouped attention: [B * kv_heads, group * T, L].
torch::Tensor GroupMask(const torch::Tensor& mask, int64_t kv_heads, int64_t group);

// Grouped-query attention. q [B, H, T, hd]; k, v [B, KVH, L, hd] (views into a cache are fine);
// grouped_mask from GroupMask. Returns [B, T, H * hd].
torch::Tensor Attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& grouped_mask, double scale);

}  // namespace ilf::lm
