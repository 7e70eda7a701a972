#include "src/lm/kv_cache.h"

#include <fmt/format.h>

#include "src/core/error.h"

namespace ilf::lm {

KvCache::KvCache(int64_t layers, int64_t batch, int64_t kv_heads, int64_t capacity,
                 int64_t head_dim, const torch::TensorOptions& options)
    : capacity_(capacity) {
  for (int64_t i = 0; i < layers; ++i) {
    keys_.push_back(torch::zeros({batch, kv_heads, capacity, head_dim}, options));
    values_.push_back(torch::zeros({batch, kv_heads, capacity, head_dim}, options));
  }
}

std::pair<torch::Tensor, torch::Tensor> KvCache::Store(int64_t layer, const torch::Tensor& k,
                                                       const torch::Tensor& v) {
  ILF_CHECK(layer >= 0 && layer < static_cast<int64_t>(keys_.size()), "layer out of range");
  int64_t len = k.size(2);
  if (length_ + len > capacity_) {
    throw Error(
        fmt::format("KV cache full: {} positions stored + {} new > capacity {}; raise the "
                    "cache length (max new tokens + prompt length)",
                    length_, len, capacity_));
  }
  keys_[layer].narrow(2, length_, len).copy_(k);
  values_[layer].narrow(2, length_, len).copy_(v);
  return {keys_[layer].narrow(2, 0, length_ + len), values_[layer].narrow(2, 0, length_ + len)};
}

void KvCache::Advance(int64_t positions) {
  ILF_CHECK(length_ + positions <= capacity_, "advanced past the capacity");
  length_ += positions;
}

void KvCache::RepeatRows(int64_t n) {
  if (n == 1) return;
  for (auto* tensors : {&keys_, &values_}) {
    for (torch::Tensor& t : *tensors) t = t.repeat_interleave(n, 0);
  }
}

void KvCache::SelectRows(const torch::Tensor& rows) {
  for (auto* tensors : {&keys_, &values_}) {
    for (torch::Tensor& t : *tensors) t = t.index_select(0, rows.to(t.device()));
  }
}

}  // namespace ilf::lm
