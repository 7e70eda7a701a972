// Embedding-similarity selection (Scheurer et al. 2022): embed the feedback and each refinement
// with the model's mean-pooled final hidden states (lm::LanguageModel::MeanHiddenStates) and keep
// the refinement whose embedding has the highest cosine similarity to the feedback's.
#pragma once

#include <vector>

#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"
#include "tasks/summarization/suite.h"

namespace ilf::tasks::summarization {

struct EmbeddingResult {
  std::vector<double> scores;  // [refinement]: cosine(feedback, refinement) in [-1, 1]
  size_t selected = 0;         // argmax (ties: the later letter, as InstructRM)
};

// a . b / (|a| |b|); 0 when either vector is zero. Sizes must match.
double Cosine(const std::vector<double>& a, const std::vector<double>& b);

// Scores every refinement of every item (items need feedback and at least one refinement; an
// ilf::Error names the item otherwise). An empty refinement has no tokens to embed and scores -1,
// the lowest cosine. All texts go to the model in one MeanHiddenStates call.
std::vector<EmbeddingResult> ScoreEmbeddingSimilarity(lm::LanguageModel& model,
                                                      const lm::Tokenizer& tokenizer,
                                                      const std::vector<SummaryItem>& items);

}  // namespace ilf::tasks::summarization
