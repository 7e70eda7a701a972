#include "src/core/jsonl.h"

#include <gtest/gtest.h>

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "src/core/error.h"
#include "tests/support/corruption.h"
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

TEST(Jsonl, MalformedHeadersAreRefusedNamingFileAndLine) {
  testing::ScratchDir dir;
  auto error_of = [&](const std::string& header) {
    std::string path = dir.Write("h.jsonl", header + "\n{\"x\": 1}\n");
    return ErrorOf([&] { ReadArtifact(path, "ilf.results", 1); });
  };
  // 4294967297 = 2^32 + 1 once read as version 1 through a 32-bit int.
  std::string message =
      error_of(R"({"ilf_header": {"schema": "ilf.results", "version": 4294967297}})");
  EXPECT_NE(message.find("h.jsonl:1: 'ilf_header' version 4294967297 out of range"),
            std::string::npos)
      << message;
  message = error_of(R"({"ilf_header": 5})");
  EXPECT_NE(message.find("h.jsonl:1: 'ilf_header' must be an object, got number"),
            std::string::npos)
      << message;
  message = error_of(R"({"ilf_header": {"schema": 7, "version": 1}})");
  EXPECT_NE(message.find("h.jsonl:1: field 'schema' must be a string"), std::string::npos)
      << message;
  message = error_of(R"({"ilf_header": {"schema": "ilf.results", "version": "1"}})");
  EXPECT_NE(message.find("h.jsonl:1: field 'version' must be an integer"), std::string::npos)
      << message;
  message = error_of(R"({"ilf_header": {"schema": "ilf.results", "version": 0}})");
  EXPECT_NE(message.find("version 0 out of range"), std::string::npos) << message;
  message =
      error_of(R"({"ilf_header": {"schema": "ilf.results", "version": 1, "config_hash": []}})");
  EXPECT_NE(message.find("field 'config_hash' must be a string"), std::string::npos) << message;
  EXPECT_EQ(ReadArtifact(
                dir.Write("ok.jsonl", R"({"ilf_header": {"schema": "ilf.results", "version": 1}})"),
                "ilf.results", 1)
                .size(),
            0u);
}

TEST(Jsonl, IntegerFieldsOutOfRangeAreRefused) {
  auto records =
      ParseJsonl("{\"n\": 18446744073709551615, \"m\": 9223372036854775807}\n", "s.jsonl");
  EXPECT_NE(ErrorOf([&] { records[0].Int("n"); }).find("s.jsonl:1: field 'n' out of range"),
            std::string::npos);
  EXPECT_EQ(records[0].Int("m"), std::numeric_limits<int64_t>::max());
}

TEST(Jsonl, DeeplyNestedLineIsRefusedNamingFileAndLine) {
  // A samples line whose sample_id is [[[...]]] 200k deep crashed the reader's later copy
  // (SIGSEGV).
  std::string deep = "{\"task_id\": 1, \"sample_id\": " + std::string(200000, '[') +
                     std::string(200000, ']') + "}\n";
  std::string message = ErrorOf([&] { ParseJsonl("{\"task_id\": 1}\n" + deep, "s.jsonl"); });
  EXPECT_NE(message.find("s.jsonl:2: JSON nested deeper than"), std::string::npos) << message;
}

TEST(Jsonl, HashIsStableAndKeyOrderIndependent) {
  EXPECT_EQ(HashJson(Json::parse(R"({"a":1,"b":[1,2]})")), HashJson(Json::parse(R"({"b":[1,2],"a":1})")));
  EXPECT_NE(HashJson(Json{{"a", 1}}), HashJson(Json{{"a", 2}}));
  EXPECT_EQ(HashJson(Json{{"a", 1}}).size(), 16u);
}

// A JSONL cut at a line end is a valid shorter file (JSONL has no trailer); every other cut must be
// an error naming the file.
bool CutAtLineEnd(const std::string& text, size_t cut, size_t after) {
  return cut >= after && (text[cut - 1] == '\n' || text[cut] == '\n');
}

TEST(Jsonl, EveryTruncationAndCorruptionOfAnArtifactIsAnErrorNamingIt) {
  testing::ScratchDir dir;
  const std::string valid =
      "{\"ilf_header\": {\"schema\": \"ilf.results\", \"version\": 2, \"config_hash\": \"ab\"}}\n"
      "{\"task_id\": \"Mbpp/2\", \"sample_id\": 0, \"verdict\": \"PASS\", \"t\": [1.5, true]}\n"
      "{\"task_id\": 3, \"sample_id\": \"s\", \"verdict\": \"FAIL\", \"x\": null}\n";
  const size_t header_end = valid.find('\n');
  size_t cases =
      testing::SweepFile(dir.path() + "/r.jsonl", valid,
                         [](const std::string& path) {
                           ReadArtifact(path, "ilf.results", 2, /*header_required=*/true);
                         },
                         {[&](size_t cut) { return CutAtLineEnd(valid, cut, header_end); }});
  EXPECT_GT(cases, 3 * valid.size());
}

TEST(Jsonl, EveryTruncationOfAGzipFileIsAnErrorNamingIt) {
  testing::ScratchDir dir;
  std::string plain;
  for (int i = 0; i < 50; ++i) plain += "{\"task_id\": " + std::to_string(i) + "}\n";
  std::string gz_path = dir.path() + "/whole.jsonl.gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(gz);
  std::ifstream in(gz_path, std::ios::binary);
  std::string compressed;
  compressed.assign(std::istreambuf_iterator<char>(in), {});
  ASSERT_EQ(ReadJsonl(gz_path).size(), 50u);
  testing::SweepFile(dir.path() + "/s.jsonl.gz", compressed,
                     [](const std::string& path) { ReadJsonl(path); },
                     {[](size_t cut) { return cut == 0; }, 3});
}

}  // namespace
}  // namespace ilf
