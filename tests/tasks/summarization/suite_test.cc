// SLF5K records load as they are; the fixture suite is complete; bad records name file:line.
#include "tasks/summarization/suite.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "tests/support/test_data.h"

namespace ilf::tasks::summarization {
namespace {

std::string FixturePath() {
  return std::string(std::getenv("ILF_SOURCE_DIR")) +
         "/tasks/examples/summarization/slf5k-fixture.jsonl";
}

TEST(SummarySuite, FixtureHasTwentyFourCompleteItems) {
  std::vector<SummaryItem> items = LoadSummaryItems(FixturePath());
  ASSERT_EQ(items.size(), 24u);
  for (const char* field : {"feedback", "generated_summary_for_feedback", "ideal_human_summary"}) {
    EXPECT_NO_THROW(RequireField(items, field)) << field;
  }
  EXPECT_EQ(ItemsOfSplit(items, "train").size(), 16u);
  EXPECT_EQ(ItemsOfSplit(items, "test").size(), 8u);
  EXPECT_EQ(ItemsOfSplit(items, "all").size(), 24u);
  EXPECT_NE(testing::ErrorOf([&] { ItemsOfSplit(items, "validation"); }).find("test, train"),
            std::string::npos);
}

TEST(SummarySuite, ReadsSlf5kFieldsAndKeepsUnknownOnes) {
  testing::ScratchDir dir;
  std::string path = dir.Write(
      "slf5k.jsonl",
      "{\"id\": 7, \"subreddit\": \"r\", \"title\": \"T\", \"post\": \"P\", "
      "\"generated_summary_for_feedback\": \"S\", \"feedback\": \"F\", \"ideal_human_summary\": "
      "\"H\", \"time_spent_in_seconds\": 12, \"feedback_clean\": \"F.\", \"split\": null, "
      "\"generated_refinement_A\": \"a\", \"generated_refinement_B\": \"b\"}\n");
  std::vector<SummaryItem> items = LoadSummaryItems(path);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].id, "7");
  EXPECT_EQ(items[0].initial_summary, "S");
  EXPECT_EQ(items[0].reference, "H");
  EXPECT_EQ(items[0].split, "");
  EXPECT_EQ(items[0].refinements, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(items[0].where, path + ":1");
}

TEST(SummarySuite, BadRecordsNameTheLineAndField) {
  testing::ScratchDir dir;
  std::string gap = dir.Write("gap.jsonl",
                              "{\"id\": \"a\", \"title\": \"T\", \"post\": \"P\", "
                              "\"generated_refinement_A\": \"x\", \"generated_refinement_C\": "
                              "\"z\"}\n");
  EXPECT_NE(testing::ErrorOf([&] { LoadSummaryItems(gap); })
                .find(gap + ":1: 'generated_refinement_C' is present but "
                            "'generated_refinement_B' is missing"),
            std::string::npos);
  std::string dup = dir.Write("dup.jsonl",
                              "{\"id\": \"a\", \"title\": \"T\", \"post\": \"P\"}\n"
                              "{\"id\": \"a\", \"title\": \"T\", \"post\": \"Q\"}\n");
  EXPECT_NE(testing::ErrorOf([&] {
              LoadSummaryItems(dup);
            }).find(dup + ":2: id 'a' already used at " + dup + ":1"),
            std::string::npos);
  std::string no_post = dir.Write("nopost.jsonl", "{\"id\": \"a\", \"title\": \"T\"}\n");
  std::string message = testing::ErrorOf([&] { LoadSummaryItems(no_post); });
  EXPECT_NE(message.find(no_post + ":1"), std::string::npos) << message;
  EXPECT_NE(message.find("post"), std::string::npos) << message;
  std::string bad_id =
      dir.Write("badid.jsonl", "{\"id\": [1], \"title\": \"T\", \"post\": \"P\"}\n");
  EXPECT_NE(testing::ErrorOf([&] { LoadSummaryItems(bad_id); }).find("field 'id'"),
            std::string::npos);
  std::vector<SummaryItem> items = LoadSummaryItems(
      dir.Write("nofeedback.jsonl", "{\"id\": \"a\", \"title\": \"T\", \"post\": \"P\"}\n"));
  EXPECT_NE(
      testing::ErrorOf([&] { RequireField(items, "feedback"); }).find("item 'a' has no 'feedback'"),
      std::string::npos);
}

}  // namespace
}  // namespace ilf::tasks::summarization
