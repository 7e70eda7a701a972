// TokenPicker picks what the tensor ops of src/lm/sampling.h pick, from its own buffer and loops:
// the same token for every row and draw (greedy, temperatures, top-k/top-p), log-probs within 2e-6
// of the float64 log-softmax, on the golden models' vocabularies (151,936, 50,257 and 512 rows).
// (The float32 log-softmax of the tensor ops is itself up to ~5e-5 off over 151,936 tokens.)
#include <gtest/gtest.h>

#include <torch/types.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "src/lm/row_kernels.h"
#include "src/lm/threads.h"
#include "src/lm/token_picker.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

TEST(RowKernelsTest, ExpDoubleIsWithin1e13OfTheLibmExp) {
  double worst = 0;
  for (int i = 0; i <= 2000000; ++i) {
    double d = -708.0 * i / 2000000;
    double want = std::exp(d);
    worst = std::max(worst, std::abs(ExpDouble(d) - want) / want);
  }
  EXPECT_LT(worst, 1e-13);
  EXPECT_EQ(ExpDouble(0.0), 1.0);
  EXPECT_EQ(ExpDouble(-709.0), 0.0);
}

// Every 61st float32 in [-87, -2^-30] (a stride that visits every mantissa residue), and 0.
std::vector<float> ExpFloatArguments() {
  std::vector<float> d;
  for (uint32_t bits = 0x30800000u; bits <= 0x42ae0000u; bits += 61) {
    float v;
    std::memcpy(&v, &bits, sizeof v);
    d.push_back(-v);
  }
  d.push_back(0.0f);
  return d;
}

TEST(RowKernelsTest, ExpFloatsAreWithinTheirBound) {
  std::vector<float> d = ExpFloatArguments(), e(d.size());
  ExpFloats(d.data(), d.size(), e.data());
  double worst = 0;
  for (size_t j = 0; j < d.size(); ++j) {
    double want = std::exp(static_cast<double>(d[j]));
    worst = std::max(worst, std::abs(e[j] - want) / want);
  }
  std::printf("float32 exponential: worst relative error %.3g (2^%.2f) over %zu points\n", worst,
              std::log2(worst), d.size());
  EXPECT_LT(worst, kExpFloatError);
  EXPECT_EQ(e.back(), 1.0f);
  float below = -87.5f, zero = 1;
  ExpFloats(&below, 1, &zero);
  EXPECT_EQ(zero, 0.0f);
}

// The argument in [lo, hi] whose ExpFloats value lies the furthest above exp's.
float WorstExpFloatArgument(float lo, float hi) {
  std::vector<float> d = ExpFloatArguments(), e(d.size());
  ExpFloats(d.data(), d.size(), e.data());
  float worst = hi;
  double worst_ratio = 0;
  for (size_t j = 0; j < d.size(); ++j) {
    double ratio = e[j] / std::exp(double{d[j]});
    if (d[j] >= lo && d[j] <= hi && ratio > worst_ratio) worst = d[j], worst_ratio = ratio;
  }
  return worst;
}

// The bound the picker's margin rests on: block sums of float32 exponentials are within
// FloatSumError(sum, spread) of the float64 ones, on rows built to err the most (one
// logit whose exponential errs the most, repeated) and rows of wide range at a temperature (the
// rounding of x / t - shift); and the bound is tight, so a narrower margin would be wrong.
TEST(RowKernelsTest, FloatBlockSumsAreWithinTheirBound) {
  std::vector<float> flat(5000, WorstExpFloatArgument(-1, -0.25)), wide(5000);
  for (size_t j = 0; j < wide.size(); ++j) wide[j] = std::sin(j * 0.61f) * 40.0f;
  struct Case {
    const std::vector<float>* x;
    float divisor, shift;
    double min_share;  // of kExpFloatError * sum the error reaches
  };
  for (Case c : {Case{&flat, 1.0f, 0.0f, 0.6}, Case{&wide, 0.7f, 40.0f / 0.7f, 0.0}}) {
    const std::vector<float>& x = *c.x;
    std::vector<double> sums(10), spreads(10), want(10);
    ScaledExpFloat(x.data(), x.size(), c.divisor, c.shift, 512, sums.data(), spreads.data());
    ScaledExp(x.data(), 0, x.size(), c.divisor, c.shift, 512, want.data(), nullptr);
    double total = 0, spread = 0, want_total = 0;
    for (int b = 0; b < 10; ++b) {
      EXPECT_LE(std::abs(sums[b] - want[b]), FloatSumError(sums[b], spreads[b])) << b;
      total += sums[b], spread += spreads[b], want_total += want[b];
    }
    EXPECT_LE(std::abs(total - want_total), FloatSumError(total, spread)) << c.divisor;
    EXPECT_GE(std::abs(total - want_total), c.min_share * kExpFloatError * total) << c.divisor;
  }
}

TEST(RowKernelsTest, VectorAndScalarExponentialsAgreeAndBlocksSumThem) {
  std::vector<float> x(1000);
  for (size_t j = 0; j < x.size(); ++j) x[j] = std::sin(j * 0.37f) * 9.0f;
  std::vector<double> values(x.size()), sums(2);
  ScaledExp(x.data(), 0, 1000, 0.7f, 9.0f / 0.7f, 512, sums.data(), values.data());
  double first = 0, second = 0;
  for (size_t j = 0; j < x.size(); ++j) {
    double want = ExpDouble(static_cast<double>(x[j] / 0.7f) - static_cast<double>(9.0f / 0.7f));
    ASSERT_EQ(values[j], want) << j;  // the same roundings in both forms
    (j < 512 ? first : second) += want;
  }
  EXPECT_NEAR(sums[0], first, 1e-12 * first);
  EXPECT_NEAR(sums[1], second, 1e-12 * second);
  RowMax max = MaxOfRow(x.data(), 1000);
  EXPECT_EQ(max.index, torch::tensor(x).argmax().item<int64_t>());
  EXPECT_TRUE(max.finite);
  x[3] = std::nanf("");
  EXPECT_FALSE(MaxOfRow(x.data(), 1000).finite);
}

// Hidden states whose rows range from nearly flat to sharply peaked distributions.
torch::Tensor VariedHidden(int64_t rows, int64_t dim) {
  torch::manual_seed(5);
  torch::Tensor scale = torch::logspace(-1, 3, rows).unsqueeze(1);  // [R, 1]
  return torch::randn({rows, dim}) * scale;                         // [R, D]
}

void ExpectPicksMatchTheTensorOps(const std::string& name, const SamplingParams& params,
                                  int steps) {
  ILF_DATA_OR_SKIP(dir, "golden/" + name);
  std::shared_ptr<CausalLmImpl> model =
      LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  torch::NoGradGuard no_grad;
  TokenPicker picker(*model, params);
  torch::Tensor hidden = VariedHidden(24, model->config().hidden_size);
  torch::Tensor logits = picker.Logits(hidden);  // [R, V]
  torch::Tensor expected_logits = model->Logits(hidden);
  ASSERT_TRUE(torch::equal(logits, expected_logits)) << "the LM head's product, into the buffer";
  std::vector<uint64_t> streams;
  for (uint64_t r = 0; r < 24; ++r) streams.push_back(SampleStream(99, r));
  torch::Tensor log_softmax = logits.to(torch::kDouble).log_softmax(-1);
  std::vector<int64_t> tokens;
  std::vector<double> logprobs;
  for (int step = 0; step < steps; ++step) {
    picker.Pick(logits, streams, step, &tokens, &logprobs);
    torch::Tensor want = NextTokens(logits, params, 0, streams, step);
    for (int64_t r = 0; r < 24; ++r) {
      ASSERT_EQ(tokens[r], want[r].item<int64_t>()) << name << " row " << r << " step " << step;
      EXPECT_NEAR(logprobs[r], log_softmax[r][tokens[r]].item<double>(), 2e-6)
          << name << " row " << r << " step " << step;
    }
  }
}

TEST(TokenPickerTest, GreedyIsTheFirstArgmax) {
  ExpectPicksMatchTheTensorOps("qwen2-tiny", {0.0, 0, 1.0}, 1);
  ExpectPicksMatchTheTensorOps("gpt2-tiny", {0.0, 0, 1.0}, 1);
}

TEST(TokenPickerTest, SampledTokensAreSampleWithDrawsTokens) {
  ExpectPicksMatchTheTensorOps("qwen2-tiny", {0.7, 0, 1.0}, 60);
  ExpectPicksMatchTheTensorOps("qwen2-tiny", {1.0, 0, 1.0}, 60);
  ExpectPicksMatchTheTensorOps("gpt2-tiny", {1.3, 0, 1.0}, 60);
  ExpectPicksMatchTheTensorOps("llama-tiny", {0.8, 0, 1.0}, 60);
}

TEST(TokenPickerTest, TopKAndTopPRowsTakeTheTensorOps) {
  ExpectPicksMatchTheTensorOps("gpt2-tiny", {0.8, 40, 1.0}, 3);
  ExpectPicksMatchTheTensorOps("gpt2-tiny", {0.8, 0, 0.95}, 3);
}

// Rows of one repeated logit whose float32 exponential errs the most (~1.2e-7), the row's maximum
// elsewhere: the float32 sums err all the same way, and draws near boundaries take the float64
// exponentials (precise_rows) and still pick SampleWithDraws's tokens.
TEST(TokenPickerTest, DrawsWithinTheFloat32ErrorOfABoundaryMatchToo) {
  ILF_DATA_OR_SKIP(dir, "golden/qwen2-tiny");
  std::shared_ptr<CausalLmImpl> model =
      LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  torch::NoGradGuard no_grad;
  const float worst = WorstExpFloatArgument(-1, -0.25);  // flat rows: every token a share
  for (float temperature : {1.0f, 0.5f}) {
    TokenPicker picker(*model, {temperature, 0, 1.0});
    torch::Tensor logits = picker.Logits(VariedHidden(8, model->config().hidden_size));  // [R, V]
    logits.fill_(worst * temperature);  // scaled back to `worst` by the temperature
    for (int64_t r = 0; r < 8; ++r) logits[r][r * 97] = 0.0f;  // the maximum
    std::vector<uint64_t> streams;
    for (uint64_t r = 0; r < 8; ++r) streams.push_back(SampleStream(7, r));
    std::vector<int64_t> tokens;
    std::vector<double> logprobs;
    for (int step = 0; step < 60; ++step) {
      picker.Pick(logits, streams, step, &tokens, &logprobs);
      SamplingParams params{temperature, 0, 1.0};
      torch::Tensor want = NextTokens(logits, params, 0, streams, step);
      for (int64_t r = 0; r < 8; ++r) {
        ASSERT_EQ(tokens[r], want[r].item<int64_t>()) << "row " << r << " step " << step;
      }
    }
    EXPECT_GT(picker.precise_rows(), 0);
  }
}

// Pick spreads rows over MatmulThreads() threads: the tokens and log-probs are the same with 1
// thread and with 3 (uneven ranges of 24 rows), and equal NextTokens's.
TEST(TokenPickerTest, PicksDoNotDependOnTheThreadCount) {
  ILF_DATA_OR_SKIP(dir, "golden/qwen2-tiny");
  std::shared_ptr<CausalLmImpl> model =
      LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  torch::NoGradGuard no_grad;
  torch::Tensor hidden = VariedHidden(23, model->config().hidden_size);
  std::vector<uint64_t> streams;
  for (uint64_t r = 0; r < 23; ++r) streams.push_back(SampleStream(3, r));
  std::vector<std::vector<int64_t>> tokens(2);
  std::vector<std::vector<double>> logprobs(2);
  for (int threads : {1, 3}) {
    ConfigureCpuThreads(threads);
    ASSERT_EQ(MatmulThreads(), threads);
    TokenPicker picker(*model, {0.7, 0, 1.0});
    torch::Tensor logits = picker.Logits(hidden);
    picker.Pick(logits, streams, 5, &tokens[threads / 3], &logprobs[threads / 3]);
    torch::Tensor want = NextTokens(logits, {0.7, 0, 1.0}, 0, streams, 5);
    for (int64_t r = 0; r < 23; ++r) EXPECT_EQ(tokens[threads / 3][r], want[r].item<int64_t>());
  }
  ConfigureCpuThreads();
  EXPECT_EQ(tokens[0], tokens[1]);
  EXPECT_EQ(logprobs[0], logprobs[1]);
}

TEST(TokenPickerTest, FewRowsLeaveTheFastPath) {
  ILF_DATA_OR_SKIP(dir, "golden/qwen2-tiny");
  std::shared_ptr<CausalLmImpl> model =
      LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  torch::NoGradGuard no_grad;
  TokenPicker picker(*model, {0.7, 0, 1.0});
  torch::Tensor logits = picker.Logits(VariedHidden(24, model->config().hidden_size));
  std::vector<uint64_t> streams(24);
  for (uint64_t r = 0; r < 24; ++r) streams[r] = r;
  std::vector<int64_t> tokens;
  std::vector<double> logprobs;
  for (int step = 0; step < 100; ++step) picker.Pick(logits, streams, step, &tokens, &logprobs);
  EXPECT_LT(picker.exact_rows(), 10) << "of 2400 draws";
  // The n samples of a prompt start from its row, repeated in place.
  torch::Tensor two = picker.Logits(VariedHidden(2, model->config().hidden_size));
  torch::Tensor want = two.clone().repeat_interleave(3, 0);
  EXPECT_TRUE(torch::equal(picker.RepeatRows(two, 3), want));
}

}  // namespace
}  // namespace ilf::lm
