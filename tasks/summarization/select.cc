#include "tasks/summarization/select.h"

#include "tasks/summarization/embedding.h"
#include "tasks/summarization/instructrm.h"
#include "tasks/summarization/prompts.h"

namespace ilf::tasks::summarization {

std::optional<Selector> ParseSelector(const std::string& name) {
  if (name == "instructrm") return Selector::kInstructRm;
  if (name == "embedding") return Selector::kEmbedding;
  return std::nullopt;
}

std::string SelectorName(Selector selector) {
  return selector == Selector::kInstructRm ? "instructrm" : "embedding";
}

std::vector<Selection> SelectRefinements(Selector selector, lm::LanguageModel& model,
                                         const lm::Tokenizer& tokenizer,
                                         const std::vector<SummaryItem>& items,
                                         const std::function<void(int64_t)>& progress) {
  std::vector<Selection> selections;
  if (selector == Selector::kInstructRm) {
    for (InstructRmResult& r : ScoreInstructRm(model, tokenizer, items, {}, progress)) {
      selections.push_back({std::move(r.scores), std::move(r.prompt_scores), r.selected});
    }
  } else {
    for (EmbeddingResult& r : ScoreEmbeddingSimilarity(model, tokenizer, items)) {
      selections.push_back({std::move(r.scores), {}, r.selected});
    }
  }
  return selections;
}

int64_t SelectionWork(Selector selector, const std::vector<SummaryItem>& items) {
  if (selector != Selector::kInstructRm) return 0;
  int64_t work = 0;
  for (const SummaryItem& item : items) {
    work += static_cast<int64_t>(item.refinements.size() * InstructRmPrompts().size());
  }
  return work;
}

Json SelectionFields(const Selection& selection, const SummaryItem& item) {
  Json fields;
  fields["scores"] = selection.scores;
  if (!selection.prompt_scores.empty()) {
    Json per_prompt = Json::object();
    for (size_t k = 0; k < selection.prompt_scores.size(); ++k) {
      per_prompt[InstructRmPrompts()[k].name] = selection.prompt_scores[k];
    }
    fields["prompt_scores"] = per_prompt;
  }
  fields["selected"] = RefinementLetter(selection.selected);
  fields["selected_refinement"] = item.refinements[selection.selected];
  return fields;
}

}  // namespace ilf::tasks::summarization
