#include "tasks/summarization/judge.h"

#include <fmt/format.h>

#include "src/core/error.h"
#include "tasks/summarization/instructrm.h"
#include "tasks/summarization/prompts.h"

namespace ilf::tasks::summarization {

WinRate AggregateWinRate(const std::vector<double>& preferences) {
  WinRate rate;
  if (preferences.empty()) return rate;
  double sum = 0;
  for (double p : preferences) {
    sum += p;
    if (p > 0.5) {
      ++rate.wins;
    } else if (p < 0.5) {
      ++rate.losses;
    } else {
      ++rate.ties;
    }
  }
  const double n = static_cast<double>(preferences.size());
  rate.win_rate = (rate.wins + 0.5 * rate.ties) / n;
  rate.mean_preference = sum / n;
  return rate;
}

std::vector<Preference> JudgePreferences(lm::LanguageModel& judge, const lm::Tokenizer& tokenizer,
                                         const std::vector<SummaryItem>& items,
                                         const std::vector<std::string>& candidates) {
  if (candidates.size() != items.size()) {
    throw Error(
        fmt::format("{} candidate summaries for {} items", candidates.size(), items.size()));
  }
  RequireField(items, "ideal_human_summary");
  const std::vector<int64_t> answers = {SingleTokenId(tokenizer, kComparisonA),
                                        SingleTokenId(tokenizer, kComparisonB)};
  std::vector<std::vector<int64_t>> prompts;
  for (size_t i = 0; i < items.size(); ++i) {
    for (bool candidate_first : {true, false}) {
      const std::string& a = candidate_first ? candidates[i] : items[i].reference;
      const std::string& b = candidate_first ? items[i].reference : candidates[i];
      std::vector<int32_t> ids =
          tokenizer.Encode(ComparisonPrompt(items[i].title, items[i].post, a, b), false);
      prompts.emplace_back(ids.begin(), ids.end());
    }
  }
  std::vector<std::vector<double>> logprobs = judge.NextTokenLogprobs(prompts, answers);
  std::vector<Preference> preferences(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::vector<double>& ab = logprobs[2 * i];      // candidate is A
    const std::vector<double>& ba = logprobs[2 * i + 1];  // candidate is B
    preferences[i].candidate_first = NormalizedPositive(ab[0], ab[1]);
    preferences[i].candidate_second = NormalizedPositive(ba[1], ba[0]);
    preferences[i].preference =
        (preferences[i].candidate_first + preferences[i].candidate_second) / 2;
  }
  return preferences;
}

}  // namespace ilf::tasks::summarization
