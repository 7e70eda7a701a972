// InstructRM, embedding similarity and the win-rate judge on a real (tiny) checkpoint: the batched
// scores through lm::LanguageModel equal the values computed directly from the model's logits and
// hidden states of each prompt alone, and selection picks the argmax.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "tasks/summarization/embedding.h"
#include "tasks/summarization/instructrm.h"
#include "tasks/summarization/judge.h"
#include "tasks/summarization/prompts.h"
#include "tests/tasks/summarization/model_fixture.h"

namespace ilf::tasks::summarization {
namespace {

using InstructRmTest = SummarizationModelTest;

TEST_F(InstructRmTest, ScoresEqualTheModelsLogitsAndSelectionIsTheArgmax) {
  InstructRmOptions options;
  options.prompts_per_call = 7;  // batches that cut across items and prompts
  std::vector<InstructRmResult> results = ScoreInstructRm(*model_, *tokenizer_, items_, options);
  ASSERT_EQ(results.size(), items_.size());
  double max_diff = 0;
  for (size_t i = 0; i < items_.size(); ++i) {
    const size_t n = items_[i].refinements.size();
    std::vector<double> ensemble(n, 0.0);
    for (size_t k = 0; k < InstructRmPrompts().size(); ++k) {
      const InstructRmPrompt& prompt = InstructRmPrompts()[k];
      for (size_t r = 0; r < n; ++r) {
        std::vector<double> lp =
            DirectLogprobs(FormatInstructRm(prompt, items_[i], items_[i].refinements[r]),
                           {prompt.positive, prompt.negative});
        double expected = std::exp(lp[0]) / (std::exp(lp[0]) + std::exp(lp[1]));
        max_diff = std::max(max_diff, std::abs(results[i].prompt_scores[k][r] - expected));
        EXPECT_NEAR(results[i].prompt_scores[k][r], expected, 1e-5) << i << " " << k << " " << r;
        ensemble[r] += expected / InstructRmPrompts().size();
      }
    }
    for (size_t r = 0; r < n; ++r) EXPECT_NEAR(results[i].scores[r], ensemble[r], 1e-5);
    size_t argmax = std::max_element(ensemble.begin(), ensemble.end()) - ensemble.begin();
    EXPECT_EQ(results[i].selected, argmax) << "item " << i;
  }
  std::printf("InstructRM on qwen2-tiny: max |batched - direct| = %.3g\n", max_diff);
  // One call for everything gives the same numbers.
  std::vector<InstructRmResult> together = ScoreInstructRm(*model_, *tokenizer_, items_);
  for (size_t i = 0; i < items_.size(); ++i) {
    for (size_t r = 0; r < results[i].scores.size(); ++r) {
      EXPECT_NEAR(together[i].scores[r], results[i].scores[r], 1e-6);
    }
  }
}

TEST_F(InstructRmTest, RefusesItemsWithoutWhatThePromptsNeed) {
  std::vector<SummaryItem> items = items_;
  items[1].refinements.clear();
  EXPECT_NE(testing::ErrorOf([&] {
              ScoreInstructRm(*model_, *tokenizer_, items);
            }).find("has no refinements"),
            std::string::npos);
  items = items_;
  items[2].feedback.clear();
  EXPECT_NE(testing::ErrorOf([&] {
              ScoreInstructRm(*model_, *tokenizer_, items);
            }).find("has no 'feedback'"),
            std::string::npos);
  EXPECT_NE(testing::ErrorOf([&] {
              SingleTokenId(*tokenizer_, " Yesterday's news");
            }).find("tokens for this tokenizer"),
            std::string::npos);
}

using EmbeddingTest = SummarizationModelTest;

TEST_F(EmbeddingTest, CosineOfMeanHiddenStatesOfFeedbackAndRefinement) {
  items_[0].refinements.push_back("");  // nothing to embed: the lowest score
  std::vector<EmbeddingResult> results = ScoreEmbeddingSimilarity(*model_, *tokenizer_, items_);
  ASSERT_EQ(results.size(), items_.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    std::vector<double> feedback = DirectMeanHidden(items_[i].feedback);
    std::vector<double> expected;
    for (const std::string& refinement : items_[i].refinements) {
      expected.push_back(refinement.empty() ? -1.0
                                            : Cosine(feedback, DirectMeanHidden(refinement)));
    }
    ASSERT_EQ(results[i].scores.size(), expected.size());
    for (size_t r = 0; r < expected.size(); ++r) {
      EXPECT_NEAR(results[i].scores[r], expected[r], 1e-5) << i << " " << r;
    }
    size_t argmax = std::max_element(expected.begin(), expected.end()) - expected.begin();
    EXPECT_EQ(results[i].selected, argmax);
  }
  EXPECT_EQ(results[0].scores.back(), -1.0);
}

using JudgeTest = SummarizationModelTest;

TEST_F(JudgeTest, BothOrdersFromTheLogitsAndSwappingSidesInvertsThePreference) {
  std::vector<std::string> candidates;
  for (const SummaryItem& item : items_) candidates.push_back(item.initial_summary);
  std::vector<Preference> preferences = JudgePreferences(*model_, *tokenizer_, items_, candidates);
  ASSERT_EQ(preferences.size(), items_.size());
  std::vector<SummaryItem> swapped = items_;
  std::vector<std::string> references;
  for (size_t i = 0; i < items_.size(); ++i) {
    const SummaryItem& item = items_[i];
    std::vector<double> ab = DirectLogprobs(
        ComparisonPrompt(item.title, item.post, candidates[i], item.reference), {" A", " B"});
    std::vector<double> ba = DirectLogprobs(
        ComparisonPrompt(item.title, item.post, item.reference, candidates[i]), {" A", " B"});
    double first = std::exp(ab[0]) / (std::exp(ab[0]) + std::exp(ab[1]));
    double second = std::exp(ba[1]) / (std::exp(ba[0]) + std::exp(ba[1]));
    EXPECT_NEAR(preferences[i].candidate_first, first, 1e-5);
    EXPECT_NEAR(preferences[i].candidate_second, second, 1e-5);
    EXPECT_NEAR(preferences[i].preference, (first + second) / 2, 1e-5);
    swapped[i].reference = candidates[i];
    references.push_back(item.reference);
  }
  // Position bias cancels: the reference judged as the candidate gets exactly the complement.
  std::vector<Preference> inverse = JudgePreferences(*model_, *tokenizer_, swapped, references);
  for (size_t i = 0; i < items_.size(); ++i) {
    EXPECT_NEAR(inverse[i].preference, 1 - preferences[i].preference, 1e-6);
  }
}

}  // namespace
}  // namespace ilf::tasks::summarization
