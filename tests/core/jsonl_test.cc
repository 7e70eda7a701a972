#include "src/core/jsonl.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "src/core/error.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::ErrorOf;

TEST(Jsonl, ParsesRecordsWithLineNumbersSkippingBlankLines) {
  auto records = ParseJsonl("{\"a\": 1}\n\n  \n{\"a\": 2}\r\n", "f.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 4);
  EXPECT_EQ(records[1].Int("a"), 2);
  EXPECT_EQ(records[1].Where(), "f.jsonl:4");
}

TEST(Jsonl, BrokenLineNamesFileAndLine) {
  std::string message = ErrorOf([] { ParseJsonl("{\"a\": 1}\n{\"a\": \n", "x.jsonl"); });
  EXPECT_NE(message.find("x.jsonl:2: not valid JSON"), std::string::npos) << message;
}

TEST(Jsonl, NonObjectLineIsRefused) {
  std::string message = ErrorOf([] { ParseJsonl("[1, 2]\n", "x.jsonl"); });
  EXPECT_NE(message.find("x.jsonl:1: expected a JSON object, got array"), std::string::npos) << message;
}

TEST(Jsonl, MissingAndMistypedFieldsNameTheField) {
  auto records = ParseJsonl("{\"task_id\": \"7\"}\n", "s.jsonl");
  EXPECT_NE(ErrorOf([&] { records[0].String("completion"); }).find("s.jsonl:1: missing field 'completion'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { records[0].Int("task_id"); }).find("field 'task_id' must be an integer, got string"),
            std::string::npos);
}

TEST(Jsonl, ArtifactHeaderRoundTripsAndMismatchIsRefused) {
  testing::ScratchDir dir;
  std::string path = dir.path() + "/r.jsonl";
  {
    JsonlWriter writer(path, ArtifactHeader{"ilf.results", 3, "abc"});
    writer.Write(Json{{"x", 1}});
    writer.Commit();
  }
  std::optional<ArtifactHeader> header;
  auto records = ReadArtifact(path, "ilf.results", 3, true, &header);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(header->config_hash, "abc");
  EXPECT_NE(ErrorOf([&] { ReadArtifact(path, "ilf.results", 4); }).find("version 3"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { ReadArtifact(path, "ilf.feedback", 3); }).find("'ilf.results' file"),
            std::string::npos);
}

TEST(Jsonl, HeaderlessFileIsRefusedOnlyWhenRequired) {
  testing::ScratchDir dir;
  std::string path = dir.Write("s.jsonl", "{\"task_id\": 1}\n");
  EXPECT_EQ(ReadArtifact(path, "ilf.samples", 1).size(), 1u);
  EXPECT_NE(ErrorOf([&] { ReadArtifact(path, "ilf.samples", 1, true); }).find("no ilf_header"),
            std::string::npos);
}

TEST(Jsonl, HashIsStableAndKeyOrderIndependent) {
  EXPECT_EQ(HashJson(Json::parse(R"({"a":1,"b":[1,2]})")), HashJson(Json::parse(R"({"b":[1,2],"a":1})")));
  EXPECT_NE(HashJson(Json{{"a", 1}}), HashJson(Json{{"a", 2}}));
  EXPECT_EQ(HashJson(Json{{"a", 1}}).size(), 16u);
}

}  // namespace
}  // namespace ilf
