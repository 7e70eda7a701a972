#include "src/core/json_parse.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::ErrorOf;

std::string Nested(int depth, const char* open, const char* close, const char* inner = "") {
  std::string text;
  for (int i = 0; i < depth; ++i) text += open;
  text += inner;
  for (int i = 0; i < depth; ++i) text += close;
  return text;
}

TEST(JsonParse, ParsesLikeNlohmann) {
  const std::string text =
      R"({"a": [1, -2, 3.5, "x\u00e9", null, true, {"b": {}}], "c": 18446744073709551615})";
  EXPECT_EQ(ParseJson(text, "t.json"), Json::parse(text));
}

TEST(JsonParse, DeepArraysAreRefusedWhileParsingNamingTheSource) {
  // 200k levels: nlohmann alone parses this, and the first copy or dump() then overflows the stack.
  std::string message =
      ErrorOf([] { ParseJson(Nested(200000, "[", "]"), "model.safetensors: header"); });
  EXPECT_NE(message.find("model.safetensors: header: JSON nested deeper than 128 levels"),
            std::string::npos)
      << message;
}

TEST(JsonParse, DeepObjectsAreRefused) {
  std::string message = ErrorOf([] { ParseJson(Nested(100000, "{\"a\":", "}", "1"), "c.json"); });
  EXPECT_NE(message.find("c.json: JSON nested deeper"), std::string::npos) << message;
}

TEST(JsonParse, LimitIsExact) {
  EXPECT_EQ(ParseJson(Nested(kMaxJsonDepth, "[", "]"), "x").dump(),
            Nested(kMaxJsonDepth, "[", "]"));
  EXPECT_NE(
      ErrorOf([] { ParseJson(Nested(kMaxJsonDepth + 1, "[", "]"), "x"); }).find("nested deeper"),
      std::string::npos);
  EXPECT_NO_THROW(ParseJson(Nested(3, "[", "]"), "x", 3));
  EXPECT_THROW(ParseJson(Nested(4, "[", "]"), "x", 3), Error);
  // Depth counts open containers, not their number: a long flat array is fine.
  EXPECT_EQ(ParseJson("[" + Nested(5, "[", "]") + "," + Nested(5, "[", "]") + "]", "x", 6).size(),
            2u);
}

TEST(JsonParse, BracketsInsideStringsDoNotCount) {
  std::string text = "\"" + std::string(100000, '[') + "\"";
  EXPECT_EQ(ParseJson(text, "x").get<std::string>().size(), 100000u);
}

TEST(JsonParse, SyntaxErrorsNameSourceLineAndColumn) {
  std::string message = ErrorOf([] { ParseJson("{\n  \"a\": tru\n}", "cfg.json"); });
  EXPECT_NE(message.find("cfg.json: not valid JSON (line "), std::string::npos) << message;
  EXPECT_NE(ErrorOf([] { ParseJson("{} {}", "x"); }).find("x: not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseJson("", "x"); }).find("x: not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseJson("\"\xff\"", "x"); }).find("x: not valid JSON"),
            std::string::npos);
}

TEST(JsonParse, ReadJsonFileNamesThePath) {
  testing::ScratchDir dir;
  std::string deep = dir.Write("deep.json", Nested(1000, "[", "]"));
  std::string message = ErrorOf([&] { ReadJsonFile(deep); });
  EXPECT_NE(message.find(deep + ": JSON nested deeper"), std::string::npos) << message;
  EXPECT_EQ(ReadJsonFile(dir.Write("ok.json", "{\"n\": 1}"))["n"], 1);
}

TEST(JsonParse, TryParseJsonDiscardsWhatParseJsonRefuses) {
  EXPECT_EQ(TryParseJson(R"({"t": [1]})"), Json::parse(R"({"t": [1]})"));
  EXPECT_TRUE(TryParseJson("{\"t\": ").is_discarded());
  EXPECT_TRUE(TryParseJson(Nested(100000, "{\"a\":", "}", "1")).is_discarded());
  EXPECT_FALSE(TryParseJson(Nested(kMaxJsonDepth, "[", "]")).is_discarded());
}

}  // namespace
}  // namespace ilf
