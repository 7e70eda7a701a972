// The tokenizer on small synthetic tokenizer directories: added-token matching, merge order, and
// the errors a user sees for broken files. Needs no reference data.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>

#include "src/core/error.h"
#include "src/lm/tokenizer.h"
#include "src/lm/tokenizer_added.h"
#include "src/lm/tokenizer_bytes.h"
#include "tests/support/corruption.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;

// A byte-level vocabulary: ids 0..255 are the bytes, then "ab" (256), "abc" (257), "bc" (258).
Json SmallVocab() {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[ByteToVocabChars(static_cast<uint8_t>(b))] = b;
  vocab["ab"] = 256;
  vocab["abc"] = 257;
  vocab["bc"] = 258;
  return vocab;
}

constexpr const char* kMerges = "#version: 0.2\na b\nab c\nb c\n";

// tokenizer_config.json with three added tokens: two special ones, one a prefix of the other.
Json SmallConfig() {
  return Json{{"tokenizer_class", "GPT2Tokenizer"},
              {"eos_token", "<x>"},
              {"added_tokens_decoder",
               {{"300", {{"content", "<x>"}, {"special", true}}},
                {"301", {{"content", "<xy>"}, {"special", true}}},
                {"302", {{"content", "<tool>"}, {"special", false}}}}}};
}

class SmallTokenizer : public ::testing::Test {
 protected:
  void WriteAll(const std::string& merges = kMerges) {
    scratch_.Write("vocab.json", SmallVocab().dump());
    scratch_.Write("merges.txt", merges);
    scratch_.Write("tokenizer_config.json", SmallConfig().dump());
  }
  // The message of the ilf::Error that loading throws ("" if it loads).
  std::string LoadError() {
    try {
      Tokenizer::Load(scratch_.path());
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  testing::ScratchDir scratch_;
};

TEST_F(SmallTokenizer, MergesApplyInRankOrder) {
  WriteAll();
  Tokenizer t = Tokenizer::Load(scratch_.path());
  EXPECT_EQ(t.Encode("abc"), (std::vector<int32_t>{257}));  // a b -> ab, then ab c
  EXPECT_EQ(t.Encode("bc"), (std::vector<int32_t>{258}));
  EXPECT_EQ(t.Encode("abd"), (std::vector<int32_t>{256, 'd'}));
  EXPECT_EQ(t.Encode("ab ab"), (std::vector<int32_t>{256, ' ', 256}));  // no merge across words
  EXPECT_EQ(t.vocab_size(), 303);
  EXPECT_EQ(t.eos_id(), 300);
}

TEST_F(SmallTokenizer, AddedTokensMatchLongestFirstAndAreNeverMerged) {
  WriteAll();
  Tokenizer t = Tokenizer::Load(scratch_.path());
  EXPECT_EQ(t.Encode("<xy>"), (std::vector<int32_t>{301}));
  EXPECT_EQ(t.Encode("<x>"), (std::vector<int32_t>{300}));
  EXPECT_EQ(t.Encode("ab<x>abc<xy>"), (std::vector<int32_t>{256, 300, 257, 301}));
  EXPECT_EQ(t.Encode("<x"), (std::vector<int32_t>{'<', 'x'}));
  // Special tokens as plain text; the non-special one still matches.
  EXPECT_EQ(t.Encode("<x><tool>", /*allow_special=*/false),
            (std::vector<int32_t>{'<', 'x', '>', 302}));
  EXPECT_EQ(t.Decode({256, 301, 302, 257}), "ab<xy><tool>abc");
}

TEST_F(SmallTokenizer, MissingFilesNameThePath) {
  EXPECT_NE(LoadError().find("vocab.json' not found"), std::string::npos) << LoadError();
  scratch_.Write("vocab.json", SmallVocab().dump());
  EXPECT_NE(LoadError().find("merges.txt' not found"), std::string::npos) << LoadError();
  try {
    Tokenizer::Load(scratch_.path() + "/nope");
    ADD_FAILURE() << "loaded a missing directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nope' does not exist"), std::string::npos) << e.what();
  }
}

TEST_F(SmallTokenizer, MalformedMergesLineIsNamed) {
  WriteAll("#version: 0.2\na b\nab c d\n");
  EXPECT_NE(LoadError().find("merges.txt:3: expected two tokens"), std::string::npos)
      << LoadError();
  WriteAll("a b\nb q\n");
  EXPECT_NE(LoadError().find("merges.txt:2: merge 'b q' uses token 'bq'"), std::string::npos)
      << LoadError();
}

TEST_F(SmallTokenizer, BadVocabularyIsNamed) {
  WriteAll();
  scratch_.Write("vocab.json", "{\"a\": 1,");
  EXPECT_NE(LoadError().find("vocab.json: not valid JSON"), std::string::npos) << LoadError();
  Json vocab = SmallVocab();
  vocab.erase(ByteToVocabChars('\n'));
  scratch_.Write("vocab.json", vocab.dump());
  EXPECT_NE(LoadError().find("no token for byte 0x0A"), std::string::npos) << LoadError();
  vocab = SmallVocab();
  vocab["zz"] = 5;
  scratch_.Write("vocab.json", vocab.dump());
  EXPECT_NE(LoadError().find("id 5 is used by two tokens"), std::string::npos) << LoadError();
}

TEST_F(SmallTokenizer, UnknownFamilyAsksForTokenizerClass) {
  WriteAll();
  scratch_.Write("tokenizer_config.json", "{}");
  EXPECT_NE(LoadError().find("tokenizer_class"), std::string::npos) << LoadError();
  scratch_.Write("config.json", R"({"model_type": "qwen2"})");
  Tokenizer t = Tokenizer::Load(scratch_.path());
  EXPECT_EQ(t.family(), "qwen2");
  EXPECT_TRUE(t.uses_nfc());
}

TEST_F(SmallTokenizer, TokenizerJsonWithSplitRegexAndNfc) {
  Json json = {
      {"model", {{"type", "BPE"}, {"vocab", SmallVocab()}, {"merges", {"a b", {"ab", "c"}}}}},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", "\\p{L}+|\\s+|[^\\s\\p{L}]+"}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}}},
      {"added_tokens", {{{"id", 300}, {"content", "<x>"}, {"special", true}}}}};
  scratch_.Write("tokenizer.json", json.dump());
  Tokenizer t = Tokenizer::Load(scratch_.path());
  EXPECT_EQ(t.family(), "tokenizer.json");
  EXPECT_TRUE(t.uses_nfc());
  EXPECT_EQ(t.Encode("abc<x>ab"), (std::vector<int32_t>{257, 300, 256}));
  // "e" + combining acute is NFC-normalized to one code point (2 bytes) before BPE.
  EXPECT_EQ(t.Encode("e\u0301"), (std::vector<int32_t>{0xC3, 0xA9}));
  json["pre_tokenizer"] = {{"type", "Metaspace"}};
  scratch_.Write("tokenizer.json", json.dump());
  EXPECT_NE(LoadError().find("unsupported pre_tokenizer"), std::string::npos) << LoadError();
}

// Regressions from review (issue 15): ids that overflowed int32, and nesting that overflowed the
// stack after parsing.
TEST_F(SmallTokenizer, AddedTokenIdsOutOfRangeAreRefused) {
  WriteAll();
  Json config = SmallConfig();
  // 2147483647 made vocab_size = id + 1 overflow (UBSan).
  config["added_tokens_decoder"]["2147483647"] = {{"content", "<big>"}};
  scratch_.Write("tokenizer_config.json", config.dump());
  EXPECT_NE(LoadError().find("added_tokens_decoder: key '2147483647' is not a token id"),
            std::string::npos)
      << LoadError();
  config = SmallConfig();
  config.erase("eos_token");
  scratch_.Write("tokenizer_config.json", config.dump());
  // eos 4294967296 + 300 read as int32 was id 300.
  scratch_.Write("config.json", Json{{"eos_token_id", 4294967596ull}}.dump());
  EXPECT_NE(LoadError().find("config.json: eos_token_id 4294967596 is not a token id"),
            std::string::npos)
      << LoadError();
}

TEST_F(SmallTokenizer, TokenizerJsonIdOutOfRangeIsRefusedNotWrapped) {
  Json json = {{"model", {{"type", "BPE"}, {"vocab", SmallVocab()}, {"merges", Json::array()}}},
               {"pre_tokenizer", {{"type", "ByteLevel"}}},
               // 4294967295 was stored as -1: `ilf tokenize --decode '[-1]'` printed "<neg>".
               {"added_tokens", {{{"id", 4294967295ull}, {"content", "<neg>"}}}}};
  scratch_.Write("tokenizer.json", json.dump());
  EXPECT_NE(LoadError().find("added_tokens entry without a valid 'id'"), std::string::npos)
      << LoadError();
  json["added_tokens"] = {{{"id", 300}, {"content", "<ok>"}}};
  scratch_.Write("tokenizer.json", json.dump());
  Tokenizer t = Tokenizer::Load(scratch_.path());
  EXPECT_EQ(t.Encode("<ok>"), (std::vector<int32_t>{300}));
  EXPECT_THROW(t.Decode({-1}), Error);
}

TEST_F(SmallTokenizer, VocabularyIdsBeyondTheBoundAreRefused) {
  WriteAll();
  Json vocab = SmallVocab();
  vocab["huge"] = kMaxTokenId + 1;  // a table indexed by id would take gigabytes
  scratch_.Write("vocab.json", vocab.dump());
  EXPECT_NE(LoadError().find("vocab.json"), std::string::npos) << LoadError();
}

TEST_F(SmallTokenizer, DeeplyNestedPreTokenizerIsRefusedWhileParsing) {
  WriteAll();
  // Sequence pre-tokenizers nested 100k deep overflowed the stack (SIGSEGV) in the reader.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += R"({"type": "Sequence", "pretokenizers": [)";
  deep += R"({"type": "ByteLevel"})";
  for (int i = 0; i < 100000; ++i) deep += "]}";
  Json model = {{"type", "BPE"}, {"vocab", SmallVocab()}, {"merges", Json::array()}};
  scratch_.Write("tokenizer.json",
                 R"({"model": )" + model.dump() + R"(, "pre_tokenizer": )" + deep + "}");
  EXPECT_NE(LoadError().find("tokenizer.json: JSON nested deeper than"), std::string::npos)
      << LoadError();
}

TEST_F(SmallTokenizer, EveryTruncationAndCorruptionOfEachFileIsAnErrorNamingIt) {
  WriteAll();
  auto load = [&](const std::string&) { Tokenizer::Load(scratch_.path()); };
  auto at_line_end = [](const std::string& text) {
    return [text](size_t cut) { return cut > 0 && (text[cut - 1] == '\n' || text[cut] == '\n'); };
  };
  testing::SweepOptions sparse;  // the vocabulary is 3 KB: a sample of offsets reaches every kind
  sparse.cut_stride = 11;
  sparse.flip_stride = 29;
  testing::SweepFile(scratch_.path() + "/vocab.json", SmallVocab().dump(), load, sparse);
  testing::SweepOptions merges;  // a cut at a line end is a shorter valid list (no trailer)
  // Also within the "#version" header line: the rest is then an empty list.
  merges.cut_may_succeed = [&](size_t cut) {
    return cut <= std::string(kMerges).find('\n') || at_line_end(kMerges)(cut);
  };
  testing::SweepFile(scratch_.path() + "/merges.txt", kMerges, load, merges);
  testing::SweepFile(scratch_.path() + "/tokenizer_config.json", SmallConfig().dump(), load);
  Json json = {{"model", {{"type", "BPE"}, {"vocab", SmallVocab()}, {"merges", {"a b", "ab c"}}}},
               {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
               {"added_tokens", {{{"id", 300}, {"content", "<x>"}, {"special", true}}}}};
  testing::SweepFile(scratch_.path() + "/tokenizer.json", json.dump(), load, sparse);
}

TEST_F(SmallTokenizer, FieldsOfTheWrongTypeNameTheFile) {
  // Found by fuzzing (tests/fuzz/regressions/tokenizer_json): nlohmann's type_error escaped.
  Json json = {{"model", {{"type", "BPE"}, {"vocab", SmallVocab()}, {"merges", Json::array()}}},
               {"pre_tokenizer", {{"type", "ByteLevel"}}},
               {"added_tokens", {{{"id", 300}, {"content", "<x>"}, {"special", "yes"}}}}};
  scratch_.Write("tokenizer.json", json.dump());
  EXPECT_NE(LoadError().find("tokenizer.json: a field has the wrong type"), std::string::npos)
      << LoadError();
  scratch_.Write("tokenizer.json", "[1]");
  EXPECT_NE(LoadError().find("tokenizer.json: expected a JSON object"), std::string::npos)
      << LoadError();
  std::remove((scratch_.path() + "/tokenizer.json").c_str());
  WriteAll();
  Json config = SmallConfig();
  config["added_tokens_decoder"]["303"] = 5;
  scratch_.Write("tokenizer_config.json", config.dump());
  EXPECT_NE(LoadError().find("tokenizer_config.json: added_tokens_decoder: added token 303"),
            std::string::npos)
      << LoadError();
  config = SmallConfig();
  config["added_tokens_decoder"]["300"]["lstrip"] = "yes";
  scratch_.Write("tokenizer_config.json", config.dump());
  EXPECT_NE(LoadError().find("tokenizer_config.json (or config.json, generation_config.json): a "
                             "field has the wrong type"),
            std::string::npos)
      << LoadError();
}

}  // namespace
}  // namespace ilf::lm
