// Parity of the byte-level BPE tokenizer with Hugging Face (golden ids made by transformers, and
// llama.cpp's test vectors), plus the API a generation loop relies on.
#include "src/lm/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
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
  // Hugging Face-level speed: well under a second here; a generous bound for loaded machines.
  EXPECT_LT(seconds, 5.0) << "encoding + decoding 6,766 strings took too long";
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

class QwenTokenizer : public ::testing::Test {
 protected:
  // Loaded once for the suite (about half a second).
  static void SetUpTestSuite() {
    std::string dir = testing::FindData("tokenizers/qwen2.5-coder-0.5b-instruct");
    if (!dir.empty()) tokenizer_ = new Tokenizer(Tokenizer::Load(dir));
  }
  static void TearDownTestSuite() { delete tokenizer_; }
  void SetUp() override {
    if (tokenizer_ == nullptr) {
      GTEST_SKIP() << "tokenizers/qwen2.5-coder-0.5b-instruct not under ILF_DATA_DIR (" << DataDir()
                   << ")";
    }
  }
  static const Tokenizer* tokenizer_;
};
const Tokenizer* QwenTokenizer::tokenizer_ = nullptr;

TEST_F(QwenTokenizer, SpecialTokensAndIdsGenerationNeeds) {
  const Tokenizer& t = *tokenizer_;
  EXPECT_EQ(t.eos_id(), 151645);  // <|im_end|>
  EXPECT_EQ(t.pad_id(), std::optional<int32_t>(151643));
  EXPECT_EQ(t.bos_id(), std::nullopt);
  EXPECT_EQ(t.stop_ids(), (std::vector<int32_t>{151645, 151643}));
  EXPECT_EQ(t.vocab_size(), 151665);
  EXPECT_EQ(t.TokenId("<|im_start|>"), std::optional<int32_t>(151644));
  EXPECT_EQ(t.TokenId("Ġworld"), std::optional<int32_t>(1879));
  EXPECT_EQ(t.TokenId("no such token"), std::nullopt);
  EXPECT_TRUE(t.IsSpecial(151643));
  EXPECT_FALSE(t.IsSpecial(151659));  // <|fim_prefix|> is added but not special
  EXPECT_FALSE(t.IsSpecial(9707));
  EXPECT_TRUE(t.uses_nfc());
  EXPECT_EQ(t.family(), "qwen2");
}

TEST_F(QwenTokenizer, SpecialTokensSplitOutUnlessDisallowed) {
  const Tokenizer& t = *tokenizer_;
  EXPECT_EQ(t.Encode("text<|endoftext|>more"), (std::vector<int32_t>{1318, 151643, 6384}));
  std::vector<int32_t> plain = t.Encode("text<|endoftext|>more", /*allow_special=*/false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 151643), 0);
  EXPECT_GT(plain.size(), 3u);
  EXPECT_EQ(t.Decode(plain), "text<|endoftext|>more");
  // Non-special added tokens are matched either way, as in Hugging Face.
  EXPECT_EQ(t.Encode("<|fim_prefix|>", false), (std::vector<int32_t>{151659}));
  std::vector<int32_t> chat = t.Encode("<|im_start|>user\nHi<|im_end|><|fim_pad|>");
  EXPECT_EQ(t.Decode(chat, /*skip_special=*/true), "user\nHi<|fim_pad|>");  // fim_pad: not special
  EXPECT_EQ(t.Decode(chat), "<|im_start|>user\nHi<|im_end|><|fim_pad|>");
}

TEST_F(QwenTokenizer, ChatTemplateAddsDefaultSystemPrompt) {
  const Tokenizer& t = *tokenizer_;
  EXPECT_EQ(t.ApplyChatTemplate({{"user", "Write a function."}}, true),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n<|im_start|>user\nWrite a function.<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(
      t.ApplyChatTemplate({{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello"}}, false),
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
      "<|im_start|>assistant\nHello<|im_end|>\n");
  EXPECT_THROW(t.ApplyChatTemplate({{"tool", "{}"}}, true), Error);
  std::vector<int32_t> ids = t.Encode(t.ApplyChatTemplate({{"user", "Hi"}}, true));
  EXPECT_EQ(ids.front(), 151644);
  EXPECT_EQ(std::vector<int32_t>(ids.end() - 3, ids.end()),
            (std::vector<int32_t>{151644, 77091, 198}));
}

TEST_F(QwenTokenizer, DecodeRepairsCutCharactersAndRejectsUnknownIds) {
  const Tokenizer& t = *tokenizer_;
  std::vector<int32_t> ids = t.Encode("𠀋");
  ASSERT_GT(ids.size(), 1u);  // a rare character, several byte-level tokens
  std::vector<int32_t> cut(ids.begin(), ids.end() - 1);
  EXPECT_EQ(t.Decode(cut), "\xEF\xBF\xBD");  // one U+FFFD for the incomplete character
  EXPECT_EQ(t.DecodeBytes(cut), std::string("𠀋").substr(0, t.DecodeBytes(cut).size()));
  EXPECT_EQ(t.DecodeBytes(ids), "𠀋");
  try {
    t.Decode({9707, 151700});
    ADD_FAILURE() << "expected an error for id 151700";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("151700"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("position 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(t.Decode({-1}), Error);
  EXPECT_TRUE(t.HasId(0) && t.HasId(151664));
  EXPECT_FALSE(t.HasId(151665) || t.HasId(151935) || t.HasId(-1));
  EXPECT_THROW(t.Encode("bad \xC3( utf-8"), Error);
}

TEST_F(QwenTokenizer, ConcurrentEncodeGivesTheSameIds) {
  ILF_DATA_OR_SKIP(golden, "golden/tokenizer-golden/qwen2.5-coder-0.5b-instruct.jsonl");
  std::vector<GoldenCase> cases = ReadGolden(golden);
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (size_t i = k; i < cases.size() * 2; i += 3) {  // overlapping, different orders
        const GoldenCase& golden_case = cases[i % cases.size()];
        if (tokenizer_->Encode(golden_case.text) != golden_case.ids) ++wrong[k];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST(Gpt2Tokenizer, EndOfTextAndNoChatTemplate) {
  ILF_DATA_OR_SKIP(dir, "tokenizers/gpt2");
  Tokenizer t = Tokenizer::Load(dir);
  EXPECT_EQ(t.eos_id(), 50256);
  EXPECT_EQ(t.pad_id(), std::nullopt);
  EXPECT_EQ(t.vocab_size(), 50257);
  EXPECT_EQ(t.family(), "tokenizer.json");
  EXPECT_FALSE(t.uses_nfc());
  EXPECT_EQ(t.Encode("Hello world<|endoftext|>"), (std::vector<int32_t>{15496, 995, 50256}));
  EXPECT_EQ(t.Encode("def add(a, b):\n    return a + b\n"),
            (std::vector<int32_t>{4299, 751, 7, 64, 11, 275, 2599, 198, 220, 220, 220, 1441, 257,
                                  1343, 275, 198}));
  try {
    t.ApplyChatTemplate({{"user", "Hi"}}, true);
    ADD_FAILURE() << "GPT-2 has no chat template";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no chat_template"), std::string::npos) << e.what();
  }
}

TEST(Gpt2Tokenizer, VocabAndMergesAloneGiveTheSameIdsAsTokenizerJson) {
  ILF_DATA_OR_SKIP(dir, "tokenizers/gpt2");
  testing::ScratchDir scratch;
  for (const char* name : {"vocab.json", "merges.txt", "config.json"}) {
    scratch.Write(name, ReadFile(dir + "/" + name));
  }
  Tokenizer from_files = Tokenizer::Load(scratch.path());
  Tokenizer from_json = Tokenizer::Load(dir);
  EXPECT_EQ(from_files.family(), "gpt2");  // chosen by config.json model_type
  for (const char* text : {"Hello world", "text<|endoftext|>more", "  x = [i**2 for i in y]\n\n",
                           "emoji 🙂 and 家族"}) {
    EXPECT_EQ(from_files.Encode(text), from_json.Encode(text)) << text;
  }
  EXPECT_EQ(from_files.eos_id(), 50256);
}

}  // namespace
}  // namespace ilf::lm
