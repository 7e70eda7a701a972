// Win rate against the reference summary, judged by a model (the paper used human labellers).
//
// For each item the judge model is asked ComparisonPrompt (prompts.h) twice, once with the
// candidate as Summary A and the reference as B, once the other way round, and the answer is read
// from the next-token distribution: q = P(" A") / (P(" A") + P(" B")). The candidate's preference
// is the mean of P(candidate) over both orders, ((q_AB) + (1 - q_BA)) / 2, which cancels a judge's
// bias towards a position. The candidate wins an item when its preference is above 0.5, ties at
// exactly 0.5 (counted as half a win), and the win rate is the mean over items.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"
#include "tasks/summarization/suite.h"

namespace ilf::tasks::summarization {

struct Preference {
  double candidate_first = 0;   // P(candidate better) with the candidate as Summary A
  double candidate_second = 0;  // P(candidate better) with the candidate as Summary B
  double preference = 0;        // their mean
};

struct WinRate {
  double win_rate = 0;         // (wins + ties / 2) / items
  double mean_preference = 0;  // mean of the items' preferences
  int64_t wins = 0, ties = 0, losses = 0;
};

// Aggregates preferences (each in [0, 1]) into a win rate. Pure.
WinRate AggregateWinRate(const std::vector<double>& preferences);

// The judge's preference for candidates[i] over items[i].reference, per item (items need a
// reference; candidates has one entry per item).
std::vector<Preference> JudgePreferences(lm::LanguageModel& judge, const lm::Tokenizer& tokenizer,
                                         const std::vector<SummaryItem>& items,
                                         const std::vector<std::string>& candidates);

}  // namespace ilf::tasks::summarization
