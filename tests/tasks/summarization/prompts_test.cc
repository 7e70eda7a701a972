// The paper's prompts, byte for byte against ../shared/data/ilf-summarization/, and the template
// and post-processing rules they rely on.
#include "tasks/summarization/prompts.h"

#include <gtest/gtest.h>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf::tasks::summarization {
namespace {

// The JSON string literal that follows `label` + "`" in the data folder's README.
std::string ReadmePrompt(const std::string& readme, const std::string& label) {
  size_t start = readme.find(label + "`\"");
  EXPECT_NE(start, std::string::npos) << label;
  if (start == std::string::npos) return "";
  start += label.size() + 1;
  size_t end = readme.find("\"`", start);
  return Json::parse(readme.substr(start, end + 1 - start)).get<std::string>();
}

TEST(SummarizationPrompts, InitialAndRefinementMatchThePaperByteForByte) {
  ILF_DATA_OR_SKIP(readme_path, "ilf-summarization/README.md");
  std::string readme = ReadFile(readme_path);
  EXPECT_EQ(InitialSummaryPrompt("{title}", "{post}"), ReadmePrompt(readme, "Initial summary: "));
  EXPECT_EQ(RefinementPrompt("{title}", "{post}", "{summary}", "{feedback}"),
            ReadmePrompt(readme, "Refinement: "));
}

TEST(SummarizationPrompts, InstructRmMatchesThePaperByteForByte) {
  ILF_DATA_OR_SKIP(path, "ilf-summarization/instructrm_prompts.json");
  Json data = Json::parse(ReadFile(path));
  ASSERT_EQ(data["prompts"].size(), InstructRmPrompts().size());
  for (size_t i = 0; i < InstructRmPrompts().size(); ++i) {
    const InstructRmPrompt& ours = InstructRmPrompts()[i];
    const Json& theirs = data["prompts"][i];
    EXPECT_EQ(ours.name, theirs["name"].get<std::string>());
    EXPECT_EQ(ours.text, theirs["template"].get<std::string>()) << ours.name;
    EXPECT_EQ(ours.positive, theirs["positive"].get<std::string>()) << ours.name;
    EXPECT_EQ(ours.negative, theirs["negative"].get<std::string>()) << ours.name;
  }
}

TEST(SummarizationPrompts, FillsEveryFieldOnceAndVerbatim) {
  SummaryItem item;
  item.title = "T {post}";  // a brace in a value is not a placeholder
  item.post = "P";
  item.initial_summary = "S";
  item.feedback = "F";
  std::string prompt = FormatInstructRm(InstructRmPrompts()[4], item, "R");
  EXPECT_EQ(prompt.find('{'), prompt.find("{post}"));  // only the value's brace is left
  EXPECT_NE(prompt.find("Feedback: F\n\nHere's the post"), std::string::npos);
  EXPECT_NE(prompt.find("Feedback: F\n\nBased on this feedback"), std::string::npos);
  EXPECT_NE(prompt.find("Post title: T {post}\n\nOriginal post: P\n\n"), std::string::npos);
  EXPECT_NE(prompt.find("New summary: R\n\n"), std::string::npos);
  const std::string end = "Answer True or False.\n\nAnswer:";
  EXPECT_EQ(prompt.substr(prompt.size() - end.size()), end);
}

TEST(SummarizationPrompts, ComparisonPromptNamesBothSummaries) {
  EXPECT_EQ(ComparisonPrompt("T", "P", "first", "second"),
            "Title: T\n\nText: P\n\nSummary A: first\n\nSummary B: second\n\nQuestion: Which "
            "summary is better? An excellent summary is coherent, accurate, concise, and detailed. "
            "Answer with A or B.\n\nAnswer:");
}

TEST(PostProcessSummary, ThePapersCleanUp) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {" - He lost his job. He is sad and", "He lost his job."},
      {"  I  want   out!  Help?", "I want out! Help?"},
      {"First line.\nSecond line.", "First line."},
      {"no sentence end here", "no sentence end here"},
      {"\n\n", ""},
      {"Why? Because", "Why?"},
  };
  for (const Case& c : cases) EXPECT_EQ(PostProcessSummary(c.in), c.out) << c.in;
}

// Generation stops once the line PostProcessSummary keeps has ended, never before its first letter.
TEST(SummaryComplete, TheFirstLineAfterTheFirstLetterHasEnded) {
  EXPECT_FALSE(SummaryComplete(""));
  EXPECT_FALSE(SummaryComplete(" He lost"));
  EXPECT_FALSE(SummaryComplete("\n\n - "));  // nothing kept yet
  EXPECT_FALSE(SummaryComplete("\n He lost his job."));
  EXPECT_TRUE(SummaryComplete(" He lost his job.\n"));
  EXPECT_TRUE(SummaryComplete("\nHe lost\nhis job"));
}

TEST(SummarizationPrompts, FeedbackPromptEndsWhereTheRefinementPromptQuotesFeedback) {
  std::string prompt = FeedbackPrompt("T", "P", "S");
  EXPECT_EQ(prompt,
            "Write feedback on the given summary of the given text: what it gets wrong, what "
            "important information it leaves out, and what it should say instead.\n\nTitle: "
            "T\n\nText: P\n\nSummary: S\n\nFeedback on summary:");
  // The refinement prompt quotes the summary and feedback under the same labels.
  EXPECT_NE(RefinementPrompt("T", "P", "S", "F").find("Summary: S\n\nFeedback on summary: F"),
            std::string::npos);
}

}  // namespace
}  // namespace ilf::tasks::summarization
