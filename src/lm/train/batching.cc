#include "src/lm/train/batching.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "src/core/error.h"

namespace ilf::lm {
namespace {

template <typename T>
void SeededShuffle(std::vector<T>* items, std::mt19937_64* rng) {
  for (size_t i = items->size(); i > 1; --i) {
    size_t j = static_cast<size_t>((*rng)() % i);
    std::swap((*items)[i - 1], (*items)[j]);
  }
}

}  // namespace

void SplitValidation(const std::vector<TrainExample>& examples, double fraction, uint64_t seed,
                     std::vector<TrainExample>* train, std::vector<TrainExample>* validation) {
  ILF_CHECK(fraction >= 0.0 && fraction < 1.0, "validation fraction must be in [0, 1)");
  const int64_t n = static_cast<int64_t>(examples.size());
  int64_t n_val = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  if (fraction > 0.0 && n >= 2) n_val = std::max<int64_t>(n_val, 1);
  n_val = std::min(n_val, n - 1);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed ^ 0x76616c6964ULL);  // a stream apart from the epoch shuffles
  SeededShuffle(&order, &rng);
  std::vector<bool> is_val(n, false);
  for (int64_t i = 0; i < n_val; ++i) is_val[order[i]] = true;
  train->clear();
  validation->clear();
  for (int64_t i = 0; i < n; ++i) (is_val[i] ? validation : train)->push_back(examples[i]);
}

std::vector<std::vector<int64_t>> PlanEpoch(const std::vector<TrainExample>& examples,
                                            int64_t batch_size, uint64_t seed, int64_t epoch) {
  ILF_CHECK(batch_size > 0, "batch size must be positive");
  std::vector<int64_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) + 1);
  SeededShuffle(&order, &rng);
  const size_t window = static_cast<size_t>(batch_size * kBucketWindowBatches);
  std::vector<std::vector<int64_t>> batches;
  for (size_t start = 0; start < order.size(); start += window) {
    auto begin = order.begin() + start;
    auto end = order.begin() + std::min(order.size(), start + window);
    std::stable_sort(begin, end, [&](int64_t a, int64_t b) {
      return examples[a].input_ids.size() < examples[b].input_ids.size();
    });
    for (auto it = begin; it < end; it += std::min<ptrdiff_t>(batch_size, end - it)) {
      batches.emplace_back(it, std::min(end, it + batch_size));
    }
  }
  SeededShuffle(&batches, &rng);
  return batches;
}

std::vector<std::vector<int64_t>> PlanInOrder(int64_t count, int64_t batch_size) {
  ILF_CHECK(batch_size > 0, "batch size must be positive");
  std::vector<std::vector<int64_t>> batches;
  for (int64_t start = 0; start < count; start += batch_size) {
    std::vector<int64_t> batch;
    for (int64_t i = start; i < std::min(count, start + batch_size); ++i) batch.push_back(i);
    batches.push_back(std::move(batch));
  }
  return batches;
}

int64_t CountTargetTokens(const std::vector<TrainExample>& examples,
                          const std::vector<int64_t>& indices) {
  int64_t count = 0;
  for (int64_t i : indices) {
    const std::vector<int64_t>& labels = examples[i].labels;
    for (size_t c = 1; c < labels.size(); ++c) count += labels[c] != kIgnoreLabel;
  }
  return count;
}

Batch Collate(const std::vector<TrainExample>& examples, const std::vector<int64_t>& indices,
              int64_t pad_token_id) {
  ILF_CHECK(!indices.empty(), "a batch needs examples");
  size_t longest = 0;
  for (int64_t i : indices) longest = std::max(longest, examples[i].input_ids.size());
  const int64_t rows = static_cast<int64_t>(indices.size());
  const int64_t cols = static_cast<int64_t>(longest);
  Batch batch;
  batch.input_ids = torch::full({rows, cols}, pad_token_id, torch::kInt64);
  batch.labels = torch::full({rows, cols}, kIgnoreLabel, torch::kInt64);
  batch.attention_mask = torch::zeros({rows, cols}, torch::kInt64);
  auto ids = batch.input_ids.accessor<int64_t, 2>();
  auto labels = batch.labels.accessor<int64_t, 2>();
  auto mask = batch.attention_mask.accessor<int64_t, 2>();
  for (int64_t r = 0; r < rows; ++r) {
    const TrainExample& example = examples[indices[r]];
    for (size_t c = 0; c < example.input_ids.size(); ++c) {
      ids[r][c] = example.input_ids[c];
      labels[r][c] = example.labels[c];
      mask[r][c] = 1;
      // Labels are shifted by one in the loss: position 0's label never counts.
      if (c > 0 && example.labels[c] != kIgnoreLabel) ++batch.target_tokens;
    }
    batch.tokens += static_cast<int64_t>(example.input_ids.size());
  }
  return batch;
}

}  // namespace ilf::lm
