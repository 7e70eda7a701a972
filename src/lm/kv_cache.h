// A preallocated key/value cache: per layer, keys and values [B, kv_heads, capacity, head_dim].
//
// The model writes the keys/values of the T new positions into [length, length + T) in place and
// attends over the view [0, length + T); the model calls Advance(T) once every layer has stored.
// Nothing is reallocated per decoding step. All rows share one length; left padding keeps prompts
// right-aligned so that holds. Not thread-safe.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace ilf::lm {

class KvCache {
 public:
  // Allocates layers x 2 tensors [batch, kv_heads, capacity, head_dim] (zeros) with `options`.
  KvCache(int64_t layers, int64_t batch, int64_t kv_heads, int64_t capacity, int64_t head_dim,
          const torch::TensorOptions& options);
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // Stores k, v [B, KVH, T, hd] at [length, length + T) of `layer`; returns views of keys and
  // values [B, KVH, length + T, hd]. Throws ilf::Error when the cache is full.
  std::pair<torch::Tensor, torch::Tensor> Store(int64_t layer, const torch::Tensor& k,
                                                const torch::Tensor& v);
  // Marks T more positions as filled (called once per forward pass, after every layer stored).
  void Advance(int64_t positions);
  // Repeats every row n times in place of the old rows (row r becomes rows r*n .. r*n+n-1): n
  // samples continue from one prefill.
  void RepeatRows(int64_t n);
  // Keeps only the rows in `rows` (int64 [B'], in that order): finished rows are dropped.
  void SelectRows(const torch::Tensor& rows);

  int64_t length() const { return length_; }
  int64_t capacity() const { return capacity_; }
  int64_t batch() const { return keys_.empty() ? 0 : keys_[0].size(0); }

 private:
  std::vector<torch::Tensor> keys_, values_;  // per layer [B, KVH, capacity, hd]
  int64_t length_ = 0;
  int64_t capacity_ = 0;
};

}  // namespace ilf::lm
