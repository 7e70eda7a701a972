#include "src/lm/token_picker.h"

#include <c10/core/InferenceMode.h>

#include <cmath>
#include <exception>
#include <thread>

#include "src/core/error.h"
#include "src/lm/row_kernels.h"
#include "src/lm/threads.h"

namespace ilf::lm {
namespace {

// How far the sampler's target must lie from a token's boundary, as a fraction of the total mass,
// for its pick to be SampleWithDraws's. SampleWithDraws normalises float64 exponentials (1 ulp)
// and sums them in order; this picker sums its own (relative error < 1e-13) by blocks. Each
// prefix, and the target, is then within about 3 * vocab * 2^-53 of the exact value on either
// side; 16 * vocab * 2^-53 + 1e-11 covers both with room (2.8e-10 for 151,936 tokens).
double BoundaryMargin(int64_t vocab) { return 16.0 * vocab * 0x1p-53 + 1e-11; }

}  // namespace

TokenPicker::TokenPicker(CausalLmImpl& model, const SamplingParams& params)
    : model_(model), params_(params) {
  torch::TensorOptions options = model.options();
  cpu_float_ = options.device().is_cpu() && options.dtype() == torch::kFloat;
  scratch_.resize(std::max(1, MatmulThreads()));
}

torch::Tensor TokenPicker::Logits(const torch::Tensor& hidden) {
  if (!cpu_float_) return model_.Logits(hidden).to(torch::kFloat);  // [R, V]
  torch::Tensor weight = model_.LmHeadWeight();                     // [V, D]
  const int64_t rows = hidden.size(0), vocab = weight.size(0);
  if (!buffer_.defined() || buffer_.size(0) < rows || buffer_.size(1) != vocab)
    buffer_ = torch::empty({rows, vocab}, weight.options());
  torch::Tensor out = buffer_.narrow(0, 0, rows);  // [R, V]
  // The product torch::linear computes (Logits()), into the buffer.
  torch::mm_out(out, hidden, weight.t());
  return out;
}

torch::Tensor TokenPicker::RepeatRows(const torch::Tensor& logits, int64_t n) {
  if (n == 1) return logits;
  if (!InPlace(logits)) return logits.repeat_interleave(n, 0);  // [R * n, V]
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  if (buffer_.size(0) < rows * n) {
    torch::Tensor grown = torch::empty({rows * n, vocab}, buffer_.options());
    grown.narrow(0, 0, rows).copy_(logits);
    buffer_ = grown;
  }
  // From the last row down, so no row is overwritten before it is copied.
  for (int64_t r = rows - 1; r >= 0; --r) {
    for (int64_t s = n - 1; s >= 0; --s) {
      if (r * n + s != r) buffer_[r * n + s].copy_(buffer_[r]);
    }
  }
  return buffer_.narrow(0, 0, rows * n);
}

bool TokenPicker::InPlace(const torch::Tensor& logits) const {
  return cpu_float_ && buffer_.defined() && logits.data_ptr() == buffer_.data_ptr();
}

int64_t TokenPicker::PickExactly(const torch::Tensor& row, uint64_t stream, uint64_t step,
                                 Scratch& scratch) const {
  ++scratch.exact_rows;
  return NextTokens(row, params_, /*seed=*/0, {stream}, step).item<int64_t>();
}

int64_t TokenPicker::SampleRow(const float* x, int64_t vocab, float max, uint64_t stream,
                               uint64_t step, Scratch& scratch, double* scaled_sum) const {
  const int64_t blocks = (vocab + kBlock - 1) / kBlock;
  // ProcessLogits divides float32 logits by the temperature as float32; rounding is monotonic,
  // so the scaled row's maximum is the scaled maximum.
  const float divisor = static_cast<float>(params_.temperature);
  const float shift = divisor == 1.0f ? max : max / divisor;
  const double draw = UniformDraw(0, stream, step);
  scratch.block_sums.resize(blocks);
  scratch.block_spreads.resize(blocks);
  // First with float32 exponentials, whose error bound widens the margin; a draw within that
  // margin of a boundary (2% of the tiny random Qwen2's flat rows) takes float64 ones.
  ScaledExpFloat(x, vocab, divisor, shift, kBlock, scratch.block_sums.data(),
                 scratch.block_spreads.data());
  int64_t token = Locate(x, vocab, divisor, shift, draw, /*float_sums=*/true, scratch, scaled_sum);
  if (token >= 0) return token;
  ++scratch.precise_rows;
  ScaledExp(x, 0, vocab, divisor, shift, kBlock, scratch.block_sums.data(), nullptr);
  return Locate(x, vocab, divisor, shift, draw, /*float_sums=*/false, scratch, scaled_sum);
}

int64_t TokenPicker::Locate(const float* x, int64_t vocab, float divisor, float shift, double draw,
                            bool float_sums, Scratch& scratch, double* total_out) const {
  const std::vector<double>& sums = scratch.block_sums;
  const std::vector<double>& spreads = scratch.block_spreads;
  const int64_t blocks = sums.size();
  double total = 0, spread = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    total += sums[b];
    if (float_sums) spread += spreads[b];
  }
  *total_out = total;
  const double target = draw * total;
  double prefix = 0, prefix_spread = 0;
  int64_t block = 0;
  while (block < blocks && prefix + sums[block] <= target) {
    if (float_sums) prefix_spread += spreads[block];
    prefix += sums[block++];
  }
  if (block == blocks) return -1;
  double margin = BoundaryMargin(vocab) * total;
  if (float_sums) {
    // target - prefix = draw * rest - (1 - draw) * prefix with rest = total - prefix: the errors
    // of the float32 sums before and from the target's block enter with those weights.
    margin += (1 - draw) * FloatSumError(prefix, prefix_spread) +
              draw * FloatSumError(total - prefix, spread - prefix_spread);
  }
  const int64_t begin = block * kBlock, end = std::min(vocab, begin + kBlock);
  scratch.block_values.resize(kBlock);
  ScaledExp(x, begin, end, divisor, shift, kBlock, nullptr, scratch.block_values.data());
  for (int64_t j = begin; j < end; ++j) {
    double next = prefix + scratch.block_values[j - begin];
    if (next > target) {
      bool clear = target - prefix > margin && next - target > margin;
      return clear ? j : -1;
    }
    prefix = next;
  }
  return -1;  // rounding put the target past this block's own sum
}

void TokenPicker::Pick(const torch::Tensor& logits, const std::vector<uint64_t>& streams,
                       uint64_t step, std::vector<int64_t>* tokens, std::vector<double>* logprobs) {
  const int64_t rows = logits.size(0);
  ILF_CHECK(static_cast<int64_t>(streams.size()) == rows, "one stream per row");
  tokens->resize(rows);
  logprobs->resize(rows);
  if (!InPlace(logits)) {
    torch::Tensor next = NextTokens(logits, params_, /*seed=*/0, streams, step);  // [R]
    torch::Tensor logprob =
        logits.gather(1, next.unsqueeze(1)).squeeze(1) - logits.logsumexp(-1);  // [R]
    torch::Tensor next_cpu = next.to(torch::kCPU).contiguous();
    torch::Tensor logprob_cpu = logprob.to(torch::kCPU).to(torch::kDouble).contiguous();
    std::copy_n(next_cpu.data_ptr<int64_t>(), rows, tokens->begin());
    std::copy_n(logprob_cpu.data_ptr<double>(), rows, logprobs->begin());
    return;
  }
  // Each row's token depends on that row alone, so threads take contiguous ranges of rows; the
  // calling thread takes the first. Helpers run in the caller's inference mode.
  const int64_t threads = std::min<int64_t>(scratch_.size(), rows);
  const bool inference = c10::InferenceMode::is_enabled();
  std::vector<std::thread> helpers;
  std::vector<std::exception_ptr> errors(threads);
  auto range = [&](int64_t t) {
    int64_t begin = rows * t / threads, end = rows * (t + 1) / threads;
    try {
      c10::InferenceMode mode(inference);
      PickRows(logits, begin, end, streams, step, scratch_[t], tokens, logprobs);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  for (int64_t t = 1; t < threads; ++t) helpers.emplace_back(range, t);
  range(0);
  for (std::thread& helper : helpers) helper.join();
  for (std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

void TokenPicker::PickRows(const torch::Tensor& logits, int64_t begin, int64_t end,
                           const std::vector<uint64_t>& streams, uint64_t step, Scratch& scratch,
                           std::vector<int64_t>* tokens, std::vector<double>* logprobs) const {
  const int64_t vocab = logits.size(1);
  const bool sampled = params_.temperature > 0;
  const bool filtered = (params_.top_k > 0 && params_.top_k < vocab) || params_.top_p < 1.0;
  for (int64_t r = begin; r < end; ++r) {
    const float* x = logits.data_ptr<float>() + r * vocab;
    RowMax max = MaxOfRow(x, vocab);
    if (!max.finite) {                             // NaN and infinity follow the tensor ops exactly
      torch::Tensor row = logits.narrow(0, r, 1);  // [1, V]
      int64_t token =
          sampled ? PickExactly(row, streams[r], step, scratch) : row.argmax(-1).item<int64_t>();
      (*tokens)[r] = token;
      (*logprobs)[r] = (row[0][token] - row.logsumexp(-1)[0]).item<double>();
      continue;
    }
    int64_t token = max.index;
    double sum = -1;  // sum of exp(x - max) once known
    if (sampled) {
      double scaled_sum = 0;
      token =
          filtered ? -1 : SampleRow(x, vocab, max.value, streams[r], step, scratch, &scaled_sum);
      if (token < 0) token = PickExactly(logits.narrow(0, r, 1), streams[r], step, scratch);
      if (!filtered && static_cast<float>(params_.temperature) == 1.0f) sum = scaled_sum;
    }
    if (sum < 0) sum = SumExpShifted(x, vocab, max.value);
    (*tokens)[r] = token;
    (*logprobs)[r] = static_cast<double>(x[token]) - max.value - std::log(sum);
  }
}

int64_t TokenPicker::exact_rows() const {
  int64_t rows = 0;
  for (const Scratch& scratch : scratch_) rows += scratch.exact_rows;
  return rows;
}

int64_t TokenPicker::precise_rows() const {
  int64_t rows = 0;
  for (const Scratch& scratch : scratch_) rows += scratch.precise_rows;
  return rows;
}

}  // namespace ilf::lm
