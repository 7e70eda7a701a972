// Best-of-N selection of summary refinements by either selector, in one shape for the CLI
// (`ilf score-refinements`) and for rounds: per item the selector's final score of every
// refinement, InstructRM's per-prompt scores, and the selected letter.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/core/jsonl.h"
#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"
#include "tasks/summarization/suite.h"

namespace ilf::tasks::summarization {

enum class Selector {
  kInstructRm,  // the five-prompt InstructRM ensemble (instructrm.h)
  kEmbedding,   // cosine of mean-pooled hidden states of feedback and refinement (embedding.h)
};
// "instructrm" / "embedding"; nullopt for anything else.
std::optional<Selector> ParseSelector(const std::string& name);
std::string SelectorName(Selector selector);

struct Selection {
  std::vector<double> scores;                      // [refinement]: the selector's final score
  std::vector<std::vector<double>> prompt_scores;  // InstructRM only: [prompt][refinement]
  size_t selected = 0;                             // index of the selected refinement
};

// Scores the refinements of every item with `selector`; `progress` gets a count of work done
// (InstructRM: prompts scored) and is not called by the embedding selector.
std::vector<Selection> SelectRefinements(Selector selector, lm::LanguageModel& model,
                                         const lm::Tokenizer& tokenizer,
                                         const std::vector<SummaryItem>& items,
                                         const std::function<void(int64_t)>& progress = {});

// The units of work `progress` counts for these items (0 for the embedding selector).
int64_t SelectionWork(Selector selector, const std::vector<SummaryItem>& items);

// The fields `ilf score-refinements` adds to an item's record: "scores", "prompt_scores"
// (InstructRM: {"prompt_1": [...], ...}), "selected" (the letter) and "selected_refinement".
Json SelectionFields(const Selection& selection, const SummaryItem& item);

}  // namespace ilf::tasks::summarization
