// Scoring continuations gives Hugging Face's next-token log-probs (golden qwen2-tiny), batching
// does not change scores, and the candidate-token distribution matches the full softmax.
#include <gtest/gtest.h>

#include <torch/types.h>

#include <cmath>
#include <cstdio>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/lm/layers.h"
#include "src/lm/safetensors.h"
#include "src/lm/score.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

using Ids = std::vector<int64_t>;

TEST(ScoreTest, ContinuationLogprobsMatchHuggingFaceInOneBatch) {
  ILF_DATA_OR_SKIP(dir, "golden/qwen2-tiny");
  auto model = LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  auto prompts = Json::parse(ReadFile(dir + "/golden.json"))["prompts"].get<std::vector<Ids>>();
  SafetensorsFile golden(dir + "/golden.safetensors");
  // Prompt = first token, continuation = the rest: token_logprobs are HF's next-token log-probs.
  std::vector<TokenScoreRequest> requests;
  for (const Ids& p : prompts)
    requests.push_back({Ids(p.begin(), p.begin() + 1), Ids(p.begin() + 1, p.end())});
  std::vector<TokenScore> scores = ScoreContinuations(*model, requests);
  // Split differently (prompt = 3 tokens) and one request per batch: the same numbers.
  std::vector<TokenScoreRequest> split;
  for (const Ids& p : prompts)
    split.push_back({Ids(p.begin(), p.begin() + 3), Ids(p.begin() + 3, p.end())});
  std::vector<TokenScore> alone = ScoreContinuations(*model, split, /*max_batch_tokens=*/1);
  for (size_t i = 0; i < prompts.size(); ++i) {
    torch::Tensor expected = golden.View("next_token_logprobs_" + std::to_string(i));
    ASSERT_EQ(scores[i].token_logprobs.size(), static_cast<size_t>(expected.numel()));
    double max_diff = 0, sum = 0;
    for (int64_t t = 0; t < expected.numel(); ++t) {
      max_diff =
          std::max(max_diff, std::abs(scores[i].token_logprobs[t] - expected[t].item<double>()));
      sum += expected[t].item<double>();
      if (t >= 2) {
        EXPECT_NEAR(alone[i].token_logprobs[t - 2], scores[i].token_logprobs[t], 1e-4);
      }
    }
    std::printf("qwen2-tiny score %zu: max |token logprob - HF| = %.3g\n", i, max_diff);
    EXPECT_LT(max_diff, 1e-4);
    EXPECT_NEAR(scores[i].logprob, sum, 1e-3);
  }
}

TEST(ScoreTest, CandidateLogprobsAreTheNextTokenSoftmax) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  auto model = LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  std::vector<Ids> prompts = {{303, 211, 294}, {372, 152, 505, 143, 177}};
  Ids candidates = {20, 399, 7};
  auto result = NextTokenLogprobs(*model, prompts, candidates);
  ASSERT_EQ(result.size(), 2u);
  for (size_t i = 0; i < prompts.size(); ++i) {
    for (size_t c = 0; c < candidates.size(); ++c) {
      Ids continuation = {candidates[c]};
      double scored = ScoreContinuations(*model, {{prompts[i], continuation}})[0].logprob;
      EXPECT_NEAR(result[i][c], scored, 1e-5);
    }
  }
  EXPECT_THROW(ScoreContinuations(*model, {{{}, {1}}}), Error);
  EXPECT_THROW(NextTokenLogprobs(*model, {{1}}, {512}), Error);
}

// The embedding entry point: a right-padded batch of sequences of different lengths gives each
// sequence's own mean hidden state, as a forward pass over that sequence alone computes it.
TEST(ScoreTest, MeanHiddenStatesAreEachSequencesOwnMean) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  auto model = LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  std::vector<Ids> sequences = {{303, 211, 294, 17, 9, 88}, {372}, {152, 505, 143}};
  std::vector<std::vector<double>> batched = MeanHiddenStates(*model, sequences);
  ASSERT_EQ(batched.size(), sequences.size());
  double max_diff = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    torch::NoGradGuard no_grad;
    const int64_t len = sequences[i].size();
    torch::Tensor ids = torch::tensor(sequences[i], torch::kLong).unsqueeze(0);  // [1, T]
    torch::Tensor positions = torch::arange(len, torch::kLong).unsqueeze(0);     // [1, T]
    torch::Tensor valid = torch::ones({1, len}, torch::kBool);
    torch::Tensor alone =
        model->Forward(ids, positions, CausalMask(valid, len, torch::kFloat), nullptr)[0].mean(0);
    ASSERT_EQ(batched[i].size(), static_cast<size_t>(model->config().hidden_size));
    for (int64_t d = 0; d < alone.numel(); ++d) {
      max_diff = std::max(max_diff, std::abs(batched[i][d] - alone[d].item<double>()));
    }
  }
  std::printf("llama-tiny mean hidden states: max |batched - alone| = %.3g\n", max_diff);
  EXPECT_LT(max_diff, 1e-5);
  EXPECT_NE(batched[0], batched[2]);
  EXPECT_THROW(MeanHiddenStates(*model, {{}}), Error);
  EXPECT_THROW(MeanHiddenStates(*model, {{512}}), Error);
}

}  // namespace
}  // namespace ilf::lm
