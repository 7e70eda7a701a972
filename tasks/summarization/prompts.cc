#include "tasks/summarization/prompts.h"

#include <cctype>

#include "src/core/error.h"

namespace ilf::tasks::summarization {
namespace {

constexpr const char* kRefinementInstruction =
    "Write an excellent summary that incorporates the feedback on the given summary and is better "
    "than the given summary.\n\n";

// _title_post_format of the paper's code.
std::string TitlePost(const std::string& title, const std::string& post) {
  return "Title: " + title + "\n\nText: " + post + "\n\n";
}

bool IsSentenceEnd(char c) { return c == '.' || c == '?' || c == '!'; }

// Where post_process_summaries' text begins: the first alphanumeric character. Python's
// str.isalnum() is Unicode-aware: bytes of non-ASCII characters count as alphanumeric.
size_t FirstSummaryChar(const std::string& text) {
  size_t first = 0;
  while (first < text.size() && !std::isalnum(static_cast<unsigned char>(text[first])) &&
         static_cast<unsigned char>(text[first]) < 0x80) {
    ++first;
  }
  return first;
}

}  // namespace

std::string InitialSummaryPrompt(const std::string& title, const std::string& post) {
  return "Write an excellent summary of the given text.\n\n" + TitlePost(title, post) + "TL;DR:";
}

std::string RefinementPrompt(const std::string& title, const std::string& post,
                             const std::string& summary, const std::string& feedback) {
  return kRefinementInstruction + TitlePost(title, post) + "Summary: " + summary +
         "\n\nFeedback on summary: " + feedback + "\n\nImproved TL;DR:";
}

std::string FeedbackPrompt(const std::string& title, const std::string& post,
                           const std::string& summary) {
  return "Write feedback on the given summary of the given text: what it gets wrong, what "
         "important information it leaves out, and what it should say instead.\n\n" +
         TitlePost(title, post) + "Summary: " + summary + "\n\nFeedback on summary:";
}

std::string PostProcessSummary(const std::string& text) {
  size_t first = FirstSummaryChar(text);
  std::string summary = first < text.size() ? text.substr(first) : text;
  std::string squeezed;  // re.sub(" +", " ", summary)
  for (char c : summary) {
    if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
    squeezed += c;
  }
  const char* kSpace = " \t\n\r\f\v";
  size_t begin = squeezed.find_first_not_of(kSpace), end = squeezed.find_last_not_of(kSpace);
  summary = begin == std::string::npos ? "" : squeezed.substr(begin, end - begin + 1);
  size_t newline = summary.find('\n');
  if (newline != std::string::npos) summary.erase(newline);
  // "".join(re.split(r"([.!?])", summary)[:-1]): everything up to the last sentence end.
  size_t last_end = std::string::npos;
  for (size_t i = 0; i < summary.size(); ++i) {
    if (IsSentenceEnd(summary[i])) last_end = i;
  }
  if (last_end != std::string::npos) summary.erase(last_end + 1);
  return summary;
}

bool SummaryComplete(const std::string& text) {
  size_t first = FirstSummaryChar(text);
  return first < text.size() && text.find('\n', first) != std::string::npos;
}

const std::array<InstructRmPrompt, 5>& InstructRmPrompts() {
  // causal_response.py (commit cf2b23c), including prompt_4's "summarized. \n\n".
  static const std::array<InstructRmPrompt, 5> prompts = {{
      {"prompt_1",
       "Here's a summary of a Reddit post, feedback on the summary, and a new summary. You "
       "will be asked to determine whether the new summary incorporates the feedback provided.\n\n"
       "A good summary is a short piece of text that has the essence of the original text. "
       "A good summary tries to accomplish the same purpose and conveys the same information "
       "as the original text.\n\n"
       "Post title: {title}\n\n"
       "Below, there's the content of the post that was summarized.\n\n"
       "Original post: {post}\n\n"
       "Original summary: {original_summary}\n\n"
       "A human then provided feedback on the above summary.\n\n"
       "Feedback: {feedback}\n\n"
       "Based on this feedback, a new summary was written.\n\n"
       "New summary: {refinement}\n\n"
       "Does this new summary incorporate the feedback provided? Answer Yes or No.\n\n"
       "Answer:",
       " Yes", " No"},
      {"prompt_2",
       "Post title: {title}\n\n"
       "Original post: {post}\n\n"
       "Original summary: {original_summary}\n\n"
       "Feedback: {feedback}\n\n"
       "New summary: {refinement}\n\n"
       "Question: Does the new summary incorporate the feedback provided? Answer Yes or "
       "No.\n\n"
       "Answer:",
       " Yes", " No"},
      {"prompt_3",
       "You will be given a Reddit post title, its content, an original summary of that "
       "post, and feedback for that summary. Then, your goal will be to determine whether "
       "the new summary improves upon the original with respect to provided feedback.\n\n"
       "Post title: {title}\n\n"
       "Post content: {post}\n\n"
       "Original summary: {original_summary}\n\n"
       "Feedback: {feedback}\n\n"
       "New summary: {refinement}\n\n"
       "Question: Does the new summary incorporate the feedback provided? Answer True or "
       "False.\n\n"
       "Answer:",
       " True", " False"},
      {"prompt_4",
       "Here's a summary of a Reddit post, feedback on the summary, and a new summary. You "
       "will be asked to determine whether the new summary incorporates the feedback provided.\n\n"
       "A good summary is a short piece of text that has the essence of the original text. "
       "A good summary tries to accomplish the same purpose and conveys the same information "
       "as the original text. Remember, you will be asked to determine whether the new summary "
       "incorporates the feedback provided.\n\n"
       "Post title: {title}\n\n"
       "Below, there's the content of the post that was summarized. \n\n"
       "Original post: {post}\n\n"
       "Remember, you will be asked to determine whether the new summary incorporates the "
       "feedback provided. Here's the original summary.\n\n"
       "Original summary: {original_summary}\n\n"
       "Remember, you will be asked to determine whether the new summary incorporates the "
       "feedback provided. A human then provided feedback on the above summary.\n\n"
       "Feedback: {feedback}\n\n"
       "Based on this feedback, a new summary was written.\n\n"
       "New summary: {refinement}\n\n"
       "Does this new summary incorporate the feedback provided? Answer Yes or No.\n\n"
       "Answer:",
       " Yes", " No"},
      {"prompt_5",
       "Here's a summary of a Reddit post, feedback on the summary, and a new summary. You "
       "will be asked to determine whether the new summary incorporates the feedback provided.\n\n"
       "The feedback was:\nFeedback: {feedback}\n\n"
       "Here's the post that was summarized in the first place.\n\n"
       "Post title: {title}\n\n"
       "Original post: {post}\n\n"
       "Remember, you will be asked to determine whether the new summary incorporates the "
       "feedback provided. Here's the original summary.\n\n"
       "Original summary: {original_summary}\n\n"
       "Remember, you will be asked to determine whether the new summary incorporates the "
       "feedback provided. A human then provided feedback on the above summary. Here's the "
       "feedback again.\n\n"
       "Feedback: {feedback}\n\n"
       "Based on this feedback, a new summary was written.\n\n"
       "New summary: {refinement}\n\n"
       "Does this new summary incorporate the feedback provided? Answer True or False.\n\n"
       "Answer:",
       " True", " False"},
  }};
  return prompts;
}

std::string FormatInstructRm(const InstructRmPrompt& prompt, const SummaryItem& item,
                             const std::string& refinement) {
  return FillTemplate(prompt.text, {{"title", item.title},
                                    {"post", item.post},
                                    {"original_summary", item.initial_summary},
                                    {"feedback", item.feedback},
                                    {"refinement", refinement}});
}

std::string ComparisonPrompt(const std::string& title, const std::string& post,
                             const std::string& summary_a, const std::string& summary_b) {
  return TitlePost(title, post) + "Summary A: " + summary_a + "\n\nSummary B: " + summary_b +
         "\n\nQuestion: Which summary is better? An excellent summary is coherent, accurate, "
         "concise, and detailed. Answer with A or B.\n\nAnswer:";
}

std::string FillTemplate(const std::string& text,
                         const std::map<std::string, std::string>& values) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    if (open == std::string::npos) break;
    size_t close = text.find('}', open);
    ILF_CHECK(close != std::string::npos, "unclosed placeholder in a template");
    auto value = values.find(text.substr(open + 1, close - open - 1));
    ILF_CHECK(value != values.end(), "no value for " + text.substr(open, close - open + 1));
    out.append(text, pos, open - pos);
    out += value->second;
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace ilf::tasks::summarization
