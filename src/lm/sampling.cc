#include "src/lm/sampling.h"

#include <limits>
#include <vector>

#include "src/core/error.h"
#include "src/core/hash.h"

namespace ilf::lm {
torch::Tensor ProcessLogits(const torch::Tensor& logits, const SamplingParams& params) {
  ILF_CHECK(params.temperature > 0, "ProcessLogits needs temperature > 0 (0 is greedy)");
  const double neg_inf = -std::numeric_limits<double>::infinity();
  torch::Tensor out = logits.to(torch::kFloat) / params.temperature;  // [R, V]
  int64_t vocab = out.size(-1);
  if (params.top_k > 0 && params.top_k < vocab) {
    torch::Tensor kth =
        std::get<0>(out.topk(params.top_k, -1)).narrow(-1, params.top_k - 1, 1);  // [R, 1]
    out.masked_fill_(out < kth, neg_inf);
  }
  if (params.top_p < 1.0) {
    auto [sorted, order] = out.sort(-1, /*descending=*/true);  // [R, V] each
    torch::Tensor probs = sorted.softmax(-1);                  // [R, V]
    torch::Tensor before = probs.cumsum(-1) - probs;           // mass ranked above
    torch::Tensor remove_sorted = before >= params.top_p;      // [R, V]
    remove_sorted.narrow(-1, 0, 1).fill_(false);               // keep the best token
    torch::Tensor remove = torch::zeros_like(remove_sorted).scatter_(-1, order, remove_sorted);
    out.masked_fill_(remove, neg_inf);
  }
  return out;
}

torch::Tensor SampleWithDraws(const torch::Tensor& logits, const torch::Tensor& uniforms) {
  torch::Tensor probs = logits.to(torch::kDouble).softmax(-1);  // [R, V]
  torch::Tensor cdf = probs.cumsum(-1);                         // [R, V]
  torch::Tensor target = uniforms.to(torch::kDouble).to(cdf.device()).unsqueeze(1) *
                         cdf.narrow(-1, cdf.size(-1) - 1, 1);  // [R, 1]
  torch::Tensor index = (cdf <= target).sum(-1);               // [R]
  return index.clamp_max(cdf.size(-1) - 1).to(torch::kLong);
}

double UniformDraw(uint64_t seed, uint64_t stream, uint64_t step) {
  uint64_t x = SplitMix64(SplitMix64(SplitMix64(seed) ^ stream) ^ step);
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

uint64_t SampleStream(uint64_t prompt_seed, uint64_t sample) {
  return SplitMix64(prompt_seed) ^ SplitMix64(sample);
}

torch::Tensor NextTokens(const torch::Tensor& logits, const SamplingParams& params, uint64_t seed,
                         const std::vector<uint64_t>& streams, uint64_t step) {
  if (params.temperature <= 0) return logits.argmax(-1);  // [R]
  std::vector<double> draws;
  for (uint64_t stream : streams) draws.push_back(UniformDraw(seed, stream, step));
  return SampleWithDraws(ProcessLogits(logits, params), torch::tensor(draws, torch::kDouble));
}

}  // namespace ilf::lm
