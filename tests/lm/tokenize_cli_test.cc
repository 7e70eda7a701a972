// `ilf tokenize` through the built binary: TEXT mode, JSONL on stdin, --decode, and its errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "src/core/error.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using Json = nlohmann::json;

std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class TokenizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::FindData("tokenizers/qwen2.5-coder-0.5b-instruct");
    if (model_.empty())
      GTEST_SKIP() << "tokenizers/qwen2.5-coder-0.5b-instruct not under ILF_DATA_DIR";
  }
  // Runs `ilf tokenize --model MODEL ARGS` with `input` on stdin; stderr joins the output.
  testing::CommandResult Tokenize(const std::string& args, const std::string& input = "") {
    std::string file = scratch_.Write("stdin.jsonl", input);
    return testing::RunCommand(testing::IlfBinary() + " tokenize --model " + Quote(model_) + " " +
                               args + " < " + Quote(file) + " 2>&1");
  }
  std::string model_;
  testing::ScratchDir scratch_;
};

TEST_F(TokenizeCli, TextArgumentPrintsIdsAsJson) {
  testing::CommandResult result = Tokenize(Quote("Hello world"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "[9707,1879]\n");
  result = Tokenize("--no-special " + Quote("<|endoftext|>"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find("151643"), std::string::npos) << result.output;
  result = Tokenize("--chat " + Quote("Hi"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.rfind("[151644,8948,198,", 0), 0u)
      << result.output;  // <|im_start|>system
}

TEST_F(TokenizeCli, JsonlOnStdinGetsIdsPerRecord) {
  testing::CommandResult result =
      Tokenize("", "{\"text\": \"Hello\", \"task_id\": 7}\n\n{\"text\": \"Hello world\"}\n");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::istringstream lines(result.output);
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, extra)) << "one output line per record: " << extra;
  EXPECT_EQ(Json::parse(first), (Json{{"text", "Hello"}, {"task_id", 7}, {"ids", {9707}}}));
  EXPECT_EQ(Json::parse(second)["ids"], (Json{9707, 1879}));
}

TEST_F(TokenizeCli, DecodeGivesTextBack) {
  testing::CommandResult result = Tokenize("--decode '[9707,1879]'");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "Hello world\n");
  result = Tokenize("--decode", "{\"ids\": [151644, 872]}\n");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(Json::parse(result.output)["text"], "<|im_start|>user");
}

TEST_F(TokenizeCli, ErrorsNameTheLineOrId) {
  testing::CommandResult result = Tokenize("", "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
  EXPECT_EQ(result.exit_code, kExitUsage) << result.output;
  EXPECT_NE(result.output.find("stdin:2: expected a JSON object with a 'text' field"),
            std::string::npos)
      << result.output;
  result = Tokenize("", "{\"text\": \"ok\"}\n{not json\n");
  EXPECT_EQ(result.exit_code, kExitUsage) << result.output;
  EXPECT_NE(result.output.find("stdin:2: not valid JSON"), std::string::npos) << result.output;
  result = Tokenize("--decode '[9707, 999999]'");
  EXPECT_EQ(result.exit_code, kExitUsage) << result.output;
  EXPECT_NE(result.output.find("cannot decode token id 999999"), std::string::npos)
      << result.output;
  // Read as int32, 4294967295 was -1 and 4294967296 + 9707 was 9707 ("Hello"): now refused.
  for (const char* ids : {"[4294967295]", "[4294977003]", "[-1]"}) {
    result = Tokenize(std::string("--decode '") + ids + "'");
    EXPECT_EQ(result.exit_code, kExitUsage) << ids << ": " << result.output;
    EXPECT_NE(result.output.find("TEXT: expected token ids (integers 0 to 2147483647)"),
              std::string::npos)
        << ids << ": " << result.output;
  }
  result = Tokenize("--decode", "{\"ids\": " + std::string(100000, '[') + std::string(100000, ']') + "}\n");
  EXPECT_EQ(result.exit_code, kExitUsage) << result.output;
  EXPECT_NE(result.output.find("stdin:1: JSON nested deeper than"), std::string::npos) << result.output;
  result = testing::RunCommand(testing::IlfBinary() + " tokenize --model /nonexistent x 2>&1");
  EXPECT_EQ(result.exit_code, kExitUsage) << result.output;
  EXPECT_NE(result.output.find("'/nonexistent' does not exist"), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace ilf
