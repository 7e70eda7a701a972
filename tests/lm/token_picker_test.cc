// TokenPicker picks what the tensor ops of src/lm/sampling.h pick, from its own buffer and loops:
// the same token for every row and draw (greedy, temperatures, top-k/top-p), log-probs within 2e-6
// of the float64 log-softmax, on the golden models' vocabularies (151,936, 50,257 and 512 rows).
// (The float32 log-softmax of the tensor ops is itself up to ~5e-5 off over 151,936 tokens.)
#include <gtest/gtest.h>

#include <torch/types.h>

#include <cmath>

#include "src/lm/row_kernels.h"
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
