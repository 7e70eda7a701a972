#include "tasks/summarization/instructrm.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "src/core/error.h"
#include "tasks/summarization/prompts.h"

namespace ilf::tasks::summarization {
namespace {

std::vector<int64_t> Encode(const lm::Tokenizer& tokenizer, const std::string& text) {
  // Post and summaries are untrusted text: a "<|endoftext|>" in them is plain text.
  std::vector<int32_t> ids = tokenizer.Encode(text, /*allow_special=*/false);
  return std::vector<int64_t>(ids.begin(), ids.end());
}

void RequireRefinements(const std::vector<SummaryItem>& items) {
  for (const SummaryItem& item : items) {
    if (item.refinements.empty()) {
      throw Error(fmt::format("{}: item '{}' has no refinements (expected {}, {}, ...)", item.where,
                              item.id, RefinementField(0), RefinementField(1)));
    }
  }
}

}  // namespace

double NormalizedPositive(double logprob_positive, double logprob_negative) {
  // exp(a) / (exp(a) + exp(b)) = 1 / (1 + exp(b - a)).
  return 1.0 / (1.0 + std::exp(logprob_negative - logprob_positive));
}

std::vector<double> EnsembleMean(const std::vector<std::vector<double>>& prompt_scores) {
  ILF_CHECK(!prompt_scores.empty(), "an ensemble of no prompts");
  std::vector<double> mean(prompt_scores[0].size(), 0.0);
  for (const std::vector<double>& row : prompt_scores) {
    ILF_CHECK(row.size() == mean.size(), "prompts scored different refinement counts");
    for (size_t r = 0; r < row.size(); ++r) mean[r] += row[r];
  }
  for (double& m : mean) m /= prompt_scores.size();
  return mean;
}

size_t SelectBest(const std::vector<double>& scores) {
  ILF_CHECK(!scores.empty(), "selection among no refinements");
  size_t best = 0;
  for (size_t r = 1; r < scores.size(); ++r) {
    if (scores[r] >= scores[best]) best = r;
  }
  return best;
}

int64_t SingleTokenId(const lm::Tokenizer& tokenizer, const std::string& word) {
  std::vector<int64_t> ids = Encode(tokenizer, word);
  if (ids.size() != 1) {
    throw Error(
        fmt::format("the answer word '{}' is {} tokens for this tokenizer; InstructRM reads "
                    "one next token (use a model whose vocabulary has it as one token)",
                    word, ids.size()));
  }
  return ids[0];
}

std::vector<InstructRmResult> ScoreInstructRm(lm::LanguageModel& model,
                                              const lm::Tokenizer& tokenizer,
                                              const std::vector<SummaryItem>& items,
                                              const InstructRmOptions& options,
                                              const std::function<void(int64_t)>& progress) {
  RequireField(items, "generated_summary_for_feedback");
  RequireField(items, "feedback");
  RequireRefinements(items);
  const auto& prompts = InstructRmPrompts();
  // Candidates: each prompt's positive and negative answer, deduplicated.
  std::vector<int64_t> candidates;
  std::vector<std::pair<size_t, size_t>> answer_index;  // per prompt: (positive, negative)
  auto index_of = [&](const std::string& word) {
    int64_t id = SingleTokenId(tokenizer, word);
    auto it = std::find(candidates.begin(), candidates.end(), id);
    if (it != candidates.end()) return static_cast<size_t>(it - candidates.begin());
    candidates.push_back(id);
    return candidates.size() - 1;
  };
  for (const InstructRmPrompt& prompt : prompts) {
    answer_index.emplace_back(index_of(prompt.positive), index_of(prompt.negative));
  }
  // Every (item, prompt, refinement) question, flattened.
  struct Question {
    size_t item, prompt, refinement;
  };
  std::vector<Question> questions;
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t k = 0; k < prompts.size(); ++k) {
      for (size_t r = 0; r < items[i].refinements.size(); ++r) questions.push_back({i, k, r});
    }
  }
  std::vector<InstructRmResult> results(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    results[i].prompt_scores.assign(prompts.size(),
                                    std::vector<double>(items[i].refinements.size(), 0.0));
  }
  const size_t step = std::max<int64_t>(1, options.prompts_per_call);
  for (size_t start = 0; start < questions.size(); start += step) {
    size_t end = std::min(questions.size(), start + step);
    std::vector<std::vector<int64_t>> batch;
    for (size_t q = start; q < end; ++q) {
      const Question& question = questions[q];
      const SummaryItem& item = items[question.item];
      batch.push_back(Encode(tokenizer, FormatInstructRm(prompts[question.prompt], item,
                                                         item.refinements[question.refinement])));
    }
    std::vector<std::vector<double>> logprobs = model.NextTokenLogprobs(batch, candidates);
    for (size_t q = start; q < end; ++q) {
      const Question& question = questions[q];
      const auto [pos, neg] = answer_index[question.prompt];
      const std::vector<double>& lp = logprobs[q - start];
      results[question.item].prompt_scores[question.prompt][question.refinement] =
          NormalizedPositive(lp[pos], lp[neg]);
    }
    if (progress) progress(static_cast<int64_t>(end));
  }
  for (InstructRmResult& result : results) {
    result.scores = EnsembleMean(result.prompt_scores);
    result.selected = SelectBest(result.scores);
  }
  return results;
}

}  // namespace ilf::tasks::summarization
