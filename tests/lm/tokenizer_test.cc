// Parity of the byte-level BPE tokenizer with Hugging Face (golden ids made by transformers, and
// llama.cpp's test vectors), plus the API a generation loop relies on.
#include "src/lm/tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "src/lm/pretokenize.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

struct GoldenCase {
  std::string text;
  std::vector<int32_t> ids;
  bool decoded_equals_text = true;
};

std::vector<GoldenCase> ReadGolden(const std::string& path) {
  std::vector<GoldenCase> cases;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    cases.push_back({record.String("text"), record.Field("ids").get<std::vector<int32_t>>(),
                     record.Field("decoded_equals_text").get<bool>()});
  }
  return cases;
}

std::string Show(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

// Every golden string encodes to Hugging Face's ids and decodes back to its text.
void ExpectGoldenParity(const std::string& model, const std::string& golden_name) {
  Tokenizer tokenizer = Tokenizer::Load(model);
  std::vector<GoldenCase> cases = ReadGolden(golden_name);
  ASSERT_EQ(cases.size(), 6766u);
  int wrong_ids = 0, wrong_text = 0, lossy = 0;
  auto start = std::chrono::steady_clock::now();
  for (const GoldenCase& golden : cases) {
    std::vector<int32_t> ids = tokenizer.Encode(golden.text);
    if (ids != golden.ids && ++wrong_ids <= 5) {
      ADD_FAILURE() << "text " << nlohmann::json(golden.text).dump() << "\n  got      " << Show(ids)
                    << "\n  expected " << Show(golden.ids);
    }
    std::string decoded = tokenizer.Decode(golden.ids);
    if (golden.decoded_equals_text) {
      if (decoded != golden.text && ++wrong_text <= 5) {
        ADD_FAILURE() << "decode of " << nlohmann::json(golden.text).dump() << " gave "
                      << nlohmann::json(decoded).dump();
      }
    } else {
      ++lossy;  // NFC changed the text: decoding gives the normalized form
      EXPECT_EQ(decoded, NormalizeNfc(golden.text));
      EXPECT_NE(decoded, golden.text);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(wrong_ids, 0) << "strings with ids different from Hugging Face's";
  EXPECT_EQ(wrong_text, 0) << "strings that do not decode back";
  EXPECT_LE(lossy, 1);
  std::printf("%s: %zu strings encoded+decoded in %.3f s (%.0f strings/s)\n", golden_name.c_str(),
              cases.size(), seconds, cases.size() / seconds);
}

TEST(TokenizerGolden, Gpt2MatchesHuggingFaceOnAllStrings) {
  ILF_DATA_OR_SKIP(model, "tokenizers/gpt2");
  ILF_DATA_OR_SKIP(golden, "golden/tokenizer-golden/gpt2.jsonl");
  ExpectGoldenParity(model, golden);
}

TEST(TokenizerGolden, QwenMatchesHuggingFaceOnAllStrings) {
  ILF_DATA_OR_SKIP(model, "tokenizers/qwen2.5-coder-0.5b-instruct");
  ILF_DATA_OR_SKIP(golden, "golden/tokenizer-golden/qwen2.5-coder-0.5b-instruct.jsonl");
  ExpectGoldenParity(model, golden);
}

// llama.cpp's vectors: inputs split on "\n__ggml_vocab_test__\n", one line of " id id ..." each.
void ExpectLlamaCppVectors(const std::string& model, const std::string& stem) {
  Tokenizer tokenizer = Tokenizer::Load(model);
  std::string inputs = ReadFile(stem + ".inp");
  std::string outputs = ReadFile(stem + ".out");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t start = 0;;) {
    size_t end = inputs.find(separator, start);
    if (end == std::string::npos) break;
    texts.push_back(inputs.substr(start, end - start));
    start = end + separator.size();
  }
  std::vector<std::vector<int32_t>> expected;
  std::istringstream lines(outputs);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream numbers(line);
    std::vector<int32_t> ids;
    for (int32_t id; numbers >> id;) ids.push_back(id);
    expected.push_back(ids);
  }
  ASSERT_EQ(texts.size(), 46u);
  ASSERT_EQ(expected.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(Show(tokenizer.Encode(texts[i])), Show(expected[i]))
        << "vector " << i << ": " << nlohmann::json(texts[i]).dump();
    EXPECT_EQ(tokenizer.Decode(expected[i]), NormalizeNfc(texts[i])) << "vector " << i;
  }
}

TEST(TokenizerGolden, Gpt2MatchesLlamaCppVectors) {
  ILF_DATA_OR_SKIP(model, "tokenizers/gpt2");
  ILF_DATA_OR_SKIP(vectors, "tokenizers/test-vectors");
  ExpectLlamaCppVectors(model, vectors + "/ggml-vocab-gpt-2.gguf");
}

TEST(TokenizerGolden, QwenMatchesLlamaCppVectors) {
  ILF_DATA_OR_SKIP(model, "tokenizers/qwen2.5-coder-0.5b-instruct");
  ILF_DATA_OR_SKIP(vectors, "tokenizers/test-vectors");
  ExpectLlamaCppVectors(model, vectors + "/ggml-vocab-qwen2.gguf");
}

}  // namespace
}  // namespace ilf::lm
