// The few differences between Debian's LibTorch 1.13 (CPU machines) and the LibTorch of PyTorch 2.x
// (GPU machines), in one place. Everything else in src/lm is written against the API both share.
//
//   - Attention: 2.x has the fused at::scaled_dot_product_attention; 1.13 gets the same math as two
//     batched matrix products and a float32 softmax (what Hugging Face's "eager" attention does).
//   - Random generators: at::detail::createCPUGenerator exists in both; CUDA generators are made by
//     the CUDA hooks in both, so only the CPU one is needed here (sampling draws on the host).
//   - CUDA autocast state: 2.4+ has per-device is_autocast_enabled/get_autocast_dtype; 1.13 has
//     is_enabled/get_autocast_gpu_dtype.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/types.h>
#include <torch/version.h>

namespace ilf::lm::compat {

constexpr bool kHasFusedAttention = TORCH_VERSION_MAJOR >= 2;

// softmax(q k^T * scale + mask) v for grouped-query attention without repeating k/v.
//   q:    [N, M, head_dim]   N = batch * kv_heads, M = group * query_len (rows of one kv head)
//   k, v: [N, L, head_dim]   may be a narrowed view of a longer cache (unit stride in the last dim)
//   mask: [N or 1 broadcastable, M, L] additive (0 or a large negative finite number), q's dtype
// Returns [N, M, head_dim] in q's dtype. Rows whose keys are all masked get a uniform average
// (finite mask values), never NaN.
inline torch::Tensor Attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& mask, double scale) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, mask, /*dropout_p=*/0.0, /*is_causal=*/false,
                                          scale);
#else
  torch::Tensor scores = torch::bmm(q, k.transpose(1, 2));  // [N, M, L]
  scores.mul_(scale).add_(mask);
  torch::Tensor probs = q.scalar_type() == torch::kFloat
                            ? scores.softmax(-1)
                            : scores.softmax(-1, torch::kFloat).to(q.scalar_type());
  return torch::bmm(probs, v);  // [N, M, head_dim]
#endif
}

// A CPU random generator with a fixed seed.
inline at::Generator MakeCpuGenerator(uint64_t seed) {
  return at::detail::createCPUGenerator(seed);
}

// CUDA autocast on/off and its dtype (thread-local; activation checkpointing restores it in the
// backward thread).
struct AutocastState {
  bool enabled = false;                         // CUDA autocast active
  at::ScalarType dtype = at::ScalarType::Half;  // its lower-precision dtype
};

inline AutocastState GetCudaAutocast() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return {at::autocast::is_autocast_enabled(at::kCUDA),
          at::autocast::get_autocast_dtype(at::kCUDA)};
#else
  return {at::autocast::is_enabled(), at::autocast::get_autocast_gpu_dtype()};
#endif
}

inline void SetCudaAutocast(const AutocastState& state) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(at::kCUDA, state.dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, state.enabled);
#else
  at::autocast::set_autocast_gpu_dtype(state.dtype);
  at::autocast::set_enabled(state.enabled);
#endif
}

}  // namespace ilf::lm::compat
