#include "tasks/summarization/embedding.h"

#include <cmath>

#include <fmt/format.h>

#include "src/core/error.h"
#include "tasks/summarization/instructrm.h"

namespace ilf::tasks::summarization {

double Cosine(const std::vector<double>& a, const std::vector<double>& b) {
  ILF_CHECK(a.size() == b.size(), "cosine of vectors of different sizes");
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? dot / (std::sqrt(aa) * std::sqrt(bb)) : 0.0;
}

std::vector<EmbeddingResult> ScoreEmbeddingSimilarity(lm::LanguageModel& model,
                                                      const lm::Tokenizer& tokenizer,
                                                      const std::vector<SummaryItem>& items) {
  RequireField(items, "feedback");
  constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<std::vector<int64_t>> texts;
  std::vector<size_t> feedback_at(items.size());
  std::vector<std::vector<size_t>> refinement_at(items.size());
  auto add = [&](const std::string& text) {
    std::vector<int32_t> ids = tokenizer.Encode(text, /*allow_special=*/false);
    if (ids.empty()) return kNone;
    texts.emplace_back(ids.begin(), ids.end());
    return texts.size() - 1;
  };
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].refinements.empty()) {
      throw Error(fmt::format("{}: item '{}' has no refinements (expected {}, ...)", items[i].where,
                              items[i].id, RefinementField(0)));
    }
    feedback_at[i] = add(items[i].feedback);
    for (const std::string& refinement : items[i].refinements) {
      refinement_at[i].push_back(add(refinement));
    }
  }
  std::vector<std::vector<double>> embeddings = model.MeanHiddenStates(texts);
  std::vector<EmbeddingResult> results(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t at : refinement_at[i]) {
      results[i].scores.push_back(at == kNone ? -1.0
                                              : Cosine(embeddings[feedback_at[i]], embeddings[at]));
    }
    results[i].selected = SelectBest(results[i].scores);
  }
  return results;
}

}  // namespace ilf::tasks::summarization
