// Parity with Hugging Face transformers on the tiny random checkpoints of golden/ (float32, CPU):
// logits (or, for qwen2-tiny's large vocabulary, last-position logits and next-token log-probs)
// within 1e-4 absolute. Prints the max difference, like llm.c's test_gpt2.
#include <gtest/gtest.h>

#include <torch/types.h>

#include <cstdio>
#include <string>
#include <vector>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "src/lm/causal_lm.h"
#include "src/lm/safetensors.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

constexpr double kTolerance = 1e-4;

struct Golden {
  std::shared_ptr<CausalLmImpl> model;
  std::vector<std::vector<int64_t>> prompts;
  std::unique_ptr<SafetensorsFile> tensors;
};

Golden LoadGolden(const std::string& dir) {
  Golden golden;
  golden.model = LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  Json meta = Json::parse(ReadFile(dir + "/golden.json"));
  golden.prompts = meta["prompts"].get<std::vector<std::vector<int64_t>>>();
  golden.tensors = std::make_unique<SafetensorsFile>(dir + "/golden.safetensors");
  return golden;
}

torch::Tensor Ids(const std::vector<int64_t>& ids) {
  return torch::tensor(ids, torch::kLong).view({1, static_cast<int64_t>(ids.size())});
}

double MaxDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

void ExpectFullLogitsMatch(const std::string& name) {
  ILF_DATA_OR_SKIP(dir, "golden/" + name);
  Golden golden = LoadGolden(dir);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < golden.prompts.size(); ++i) {
    torch::Tensor logits = ForwardLogits(*golden.model, Ids(golden.prompts[i]))[0];  // [T, V]
    torch::Tensor expected = golden.tensors->View("logits_" + std::to_string(i));    // [T, V]
    ASSERT_EQ(logits.sizes(), expected.sizes());
    double diff = MaxDiff(logits, expected);
    std::printf("%s prompt %zu (%zu tokens): max |logits - HF| = %.3g\n", name.c_str(), i,
                golden.prompts[i].size(), diff);
    EXPECT_LT(diff, kTolerance) << name << " prompt " << i;
  }
}

TEST(ModelGoldenTest, LlamaTinyLogitsMatchHuggingFace) { ExpectFullLogitsMatch("llama-tiny"); }

TEST(ModelGoldenTest, Gpt2TinyLogitsMatchHuggingFace) { ExpectFullLogitsMatch("gpt2-tiny"); }

TEST(ModelGoldenTest, Qwen2TinyLastLogitsAndNextTokenLogprobsMatchHuggingFace) {
  ILF_DATA_OR_SKIP(dir, "golden/qwen2-tiny");
  Golden golden = LoadGolden(dir);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < golden.prompts.size(); ++i) {
    const std::vector<int64_t>& prompt = golden.prompts[i];
    torch::Tensor logits = ForwardLogits(*golden.model, Ids(prompt))[0];  // [T, V]
    double last_diff =
        MaxDiff(logits[-1], golden.tensors->View("last_logits_" + std::to_string(i)));
    torch::Tensor next = torch::tensor(std::vector<int64_t>(prompt.begin() + 1, prompt.end()));
    torch::Tensor logprobs =
        logits.slice(0, 0, -1).log_softmax(-1).gather(1, next.unsqueeze(1)).squeeze(1);
    double lp_diff =
        MaxDiff(logprobs, golden.tensors->View("next_token_logprobs_" + std::to_string(i)));
    std::printf(
        "qwen2-tiny prompt %zu: max |last logits - HF| = %.3g, max |next-token logprob - HF| "
        "= %.3g\n",
        i, last_diff, lp_diff);
    EXPECT_LT(last_diff, kTolerance);
    EXPECT_LT(lp_diff, kTolerance);
  }
}

}  // namespace
}  // namespace ilf::lm
