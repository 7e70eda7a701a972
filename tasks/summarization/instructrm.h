// InstructRM (Scheurer et al. 2023): an instruction-following model is asked, with each of the five
// prompts of prompts.h, whether a refinement incorporates the feedback; the answer is read from the
// next-token distribution, never sampled.
//
// For prompt k and refinement r: s_k(r) = P(pos) / (P(pos) + P(neg)) with pos/neg = " Yes"/" No"
// (" True"/" False" for prompts 3 and 5) under the full softmax at the position after "Answer:".
// The ensemble score is the mean of the five; the selected refinement is the argmax of the ensemble
// (ties: the later letter, as the paper's np.argsort(scores)[::-1][0]).
//
// All prompts of a call are scored through lm::LanguageModel::NextTokenLogprobs in batches, so the
// model never generates. Each answer word must be one token of the tokenizer (true for GPT-2, Qwen2
// and Llama-3 style byte-level BPE vocabularies); otherwise the call throws ilf::Error naming it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"
#include "tasks/summarization/suite.h"

namespace ilf::tasks::summarization {

struct InstructRmOptions {
  int64_t prompts_per_call = 64;  // prompts handed to NextTokenLogprobs at once (progress grain)
};

struct InstructRmResult {
  std::vector<std::vector<double>> prompt_scores;  // [prompt 0..4][refinement]: s_k(r)
  std::vector<double> scores;                      // [refinement]: the ensemble (mean over prompts)
  size_t selected = 0;                             // index of the argmax refinement
};

// P(pos) / (P(pos) + P(neg)) from the two log-probabilities, computed without overflow.
double NormalizedPositive(double logprob_positive, double logprob_negative);

// The mean of each column: ensemble[r] = mean over k of prompt_scores[k][r].
std::vector<double> EnsembleMean(const std::vector<std::vector<double>>& prompt_scores);

// Index of the largest score; among equal maxima the last (the paper's argsort-descending pick).
// `scores` must not be empty.
size_t SelectBest(const std::vector<double>& scores);

// Scores every refinement of every item. Items need a title, post, initial summary, feedback and
// at least one refinement (ilf::Error naming file:line otherwise). `progress` is called with the
// number of prompts scored so far. One result per item, in order.
std::vector<InstructRmResult> ScoreInstructRm(lm::LanguageModel& model,
                                              const lm::Tokenizer& tokenizer,
                                              const std::vector<SummaryItem>& items,
                                              const InstructRmOptions& options = {},
                                              const std::function<void(int64_t)>& progress = {});

// The token id of an answer word (" Yes"); ilf::Error when the tokenizer splits it.
int64_t SingleTokenId(const lm::Tokenizer& tokenizer, const std::string& word);

}  // namespace ilf::tasks::summarization
