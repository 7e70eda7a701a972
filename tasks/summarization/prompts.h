// The summarization prompts of Scheurer et al. 2023 (arXiv 2303.16755), byte for byte as their code
// writes them (utilities/summarization_utilities.py, scoring_functions/causal_response.py), and the
// comparison prompt `ilf` uses to judge win rates. Pure functions; tests/tasks/summarization_
// prompts_test.cc checks them against ../shared/data/ilf-summarization/.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tasks/summarization/suite.h"

namespace ilf::tasks::summarization {

// The paper's sampling settings for initial summaries and refinements.
struct SummarySampling {
  double temperature = 1.0;     // softmax temperature
  double top_p = 0.95;          // nucleus
  int64_t max_new_tokens = 48;  // per summary
  int64_t refinements = 5;      // refinements per item
};

// "Write an excellent summary of the given text.\n\nTitle: {title}\n\nText: {post}\n\nTL;DR:"
std::string InitialSummaryPrompt(const std::string& title, const std::string& post);

// "Write an excellent summary that incorporates the feedback on the given summary and is better
// than the given summary.\n\nTitle: {title}\n\nText: {post}\n\nSummary: {summary}\n\nFeedback on
// summary: {feedback}\n\nImproved TL;DR:"
std::string RefinementPrompt(const std::string& title, const std::string& post,
                             const std::string& summary, const std::string& feedback);

// The paper's clean-up of a sampled summary (post_process_summaries): drop what precedes the first
// alphanumeric character, squeeze runs of spaces, strip, keep the first line, and cut an
// unfinished last sentence (text after the last '.', '?' or '!').
std::string PostProcessSummary(const std::string& text);

// Whether generation of a summary can stop: PostProcessSummary keeps the first line, and that line
// has ended (a newline follows its first alphanumeric character).
bool SummaryComplete(const std::string& text);

// The question a model answers to write feedback on a summary (`ilf`'s own wording; in the paper
// people wrote the feedback), ending where the refinement prompt quotes the feedback:
// "Write feedback on the given summary of the given text: what it gets wrong, what important
// information it leaves out, and what it should say instead.\n\nTitle: {title}\n\nText: {post}
// \n\nSummary: {summary}\n\nFeedback on summary:"
std::string FeedbackPrompt(const std::string& title, const std::string& post,
                           const std::string& summary);

// One InstructRM question: a template with {title} {post} {original_summary} {feedback}
// {refinement}, answered by the next token, `positive` vs `negative`.
struct InstructRmPrompt {
  const char* name;      // "prompt_1" .. "prompt_5"
  const char* text;      // the template
  const char* positive;  // " Yes" or " True"
  const char* negative;  // " No" or " False"
};

// The five prompts of causal_response.py, in order.
const std::array<InstructRmPrompt, 5>& InstructRmPrompts();

// `prompt`'s template filled with the item and one refinement (Python's str.format: every
// placeholder replaced, the values inserted verbatim).
std::string FormatInstructRm(const InstructRmPrompt& prompt, const SummaryItem& item,
                             const std::string& refinement);

// The win-rate judge's question: which of two summaries of a post is better, answered " A" or " B".
// `ilf`'s own wording (the paper judged win rates with human labellers), modelled on the paper's
// reward-model prompt: "Title: {title}\n\nText: {post}\n\nSummary A: {a}\n\nSummary B: {b}\n\n
// Question: Which summary is better? An excellent summary is coherent, accurate, concise, and
// detailed. Answer with A or B.\n\nAnswer:"
std::string ComparisonPrompt(const std::string& title, const std::string& post,
                             const std::string& summary_a, const std::string& summary_b);
inline constexpr const char* kComparisonA = " A";
inline constexpr const char* kComparisonB = " B";

// Replaces each {name} of `text` by values.at(name) in one pass (values are not re-scanned).
// A placeholder without a value is a bug (ILF_CHECK): templates are ours.
std::string FillTemplate(const std::string& text, const std::map<std::string, std::string>& values);

}  // namespace ilf::tasks::summarization
