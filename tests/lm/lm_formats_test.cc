// The torch-free parsers of model files (src/lm/safetensors_header.h, src/lm/model_config.h) on
// crafted input: each defect a review found (issue 15) is a case here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/lm/model_config.h"
#include "src/lm/safetensors_header.h"
#include "tests/support/corruption.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;
using testing::ErrorOf;

// A safetensors file: 8-byte little-endian length, the header text, `data_bytes` zero bytes.
std::string File(const std::string& header, size_t data_bytes) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + std::string(data_bytes, '\0');
}

std::string HeaderError(const std::string& file) {
  return ErrorOf([&] {
    ParseSafetensorsHeader(reinterpret_cast<const unsigned char*>(file.data()), file.size(),
                           "m.safetensors");
  });
}

TEST(SafetensorsHeader, ValidHeaderParses) {
  std::string file = File(
      R"({"__metadata__": {"format": "pt"}, "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
          "e": {"dtype": "F16", "shape": [0], "data_offsets": [16, 16]}})",
      16);
  SafetensorsHeader header = ParseSafetensorsHeader(
      reinterpret_cast<const unsigned char*>(file.data()), file.size(), "m.safetensors");
  ASSERT_EQ(header.tensors.size(), 2u);
  EXPECT_EQ(header.tensors.at("w").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(header.data_start, file.size() - 16);
}

TEST(SafetensorsHeader, EmptyTensorBetweenOverlappingOnesDoesNotHideTheOverlap) {
  // Sorted by offset: a [0, 16), e [8, 8) (empty), b [8, 16). Comparing neighbours and skipping
  // empty ones never compared a with b, so this file loaded and scored.
  std::string file = File(
      R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
          "e": {"dtype": "F32", "shape": [0], "data_offsets": [8, 8]},
          "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
      16);
  std::string message = HeaderError(file);
  EXPECT_NE(
      message.find("m.safetensors: tensor 'b' bytes [8, 16) overlap tensor 'a' bytes [0, 16)"),
      std::string::npos)
      << message;
}

TEST(SafetensorsHeader, OverlapWithAnEarlierLongTensorIsFound) {
  // a [0, 32) covers b [8, 12) and c [16, 20): c overlaps a although its neighbour b ends before
  // it.
  std::string file = File(
      R"({"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]},
          "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},
          "c": {"dtype": "F32", "shape": [1], "data_offsets": [16, 20]}})",
      32);
  EXPECT_NE(HeaderError(file).find("overlap tensor 'a'"), std::string::npos) << HeaderError(file);
}

TEST(SafetensorsHeader, DeepShapeIsRefusedWhileParsing) {
  std::string shape = std::string(200000, '[') + std::string(200000, ']');
  std::string message = HeaderError(
      File(R"({"w": {"dtype": "F32", "shape": )" + shape + R"(, "data_offsets": [0, 0]}})", 0));
  EXPECT_NE(message.find("m.safetensors: header: JSON nested deeper than"), std::string::npos)
      << message;
}

TEST(SafetensorsHeader, HugeDimensionIsRefused) {
  // 2^63: a dimension that does not fit the int64 shape.
  std::string message = HeaderError(File(
      R"({"w": {"dtype": "U8", "shape": [9223372036854775808, 0], "data_offsets": [0, 0]}})", 0));
  EXPECT_NE(message.find("tensor 'w': shape overflows"), std::string::npos) << message;
}

TEST(SafetensorsHeader, EveryTruncationIsAnErrorNamingTheFile) {
  std::string file = File(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 8);
  for (size_t cut = 0; cut < file.size(); ++cut) {
    std::string message = HeaderError(file.substr(0, cut));
    EXPECT_NE(message.find("m.safetensors"), std::string::npos)
        << "cut at " << cut << ": " << message;
  }
}

TEST(ShardIndex, ListsEachShardOnceInOrder) {
  EXPECT_EQ(ParseShardIndex(R"({"metadata": {}, "weight_map": {"a": "s-1.safetensors",
            "b": "s-2.safetensors", "c": "s-1.safetensors"}})",
                            "i.json"),
            (std::vector<std::string>{"s-1.safetensors", "s-2.safetensors"}));
}

TEST(ShardIndex, ShardsOutsideTheDirectoryAreRefused) {
  for (const char* name : {"../x.safetensors", "/etc/passwd", "a/../../b", ""}) {
    std::string text = Json{{"weight_map", {{"w", name}}}}.dump();
    std::string message = ErrorOf([&] { ParseShardIndex(text, "i.json"); });
    EXPECT_NE(message.find("i.json: weight_map['w']"), std::string::npos)
        << name << ": " << message;
  }
  EXPECT_NE(ErrorOf([] {
              ParseShardIndex(R"({"weight_map": [)", "i.json");
            }).find("i.json: not valid JSON"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseShardIndex(R"({"weight_map": {"w": 3}})", "i.json");
            }).find("expected a file name"),
            std::string::npos);
}

Json Gpt2Config() {
  return {{"architectures", {"GPT2LMHeadModel"}},
          {"vocab_size", 64},
          {"n_embd", 32},
          {"n_layer", 2},
          {"n_head", 4},
          {"n_positions", 64}};
}

TEST(ModelConfig, HugeSizesAreRefusedBeforeAnyArithmetic) {
  EXPECT_EQ(ParseModelConfig(Gpt2Config(), "c.json").intermediate_size, 128);
  Json config = Gpt2Config();
  // 4 * n_embd (the n_inner default) overflowed int64 before n_inner was looked at.
  config["n_embd"] = 4611686018427387904ll;  // 2^62
  std::string message = ErrorOf([&] { ParseModelConfig(config, "c.json"); });
  EXPECT_NE(message.find("c.json: field 'n_embd' is 4611686018427387904, expected 0 to 2147483647"),
            std::string::npos)
      << message;
  config = Gpt2Config();
  config["vocab_size"] = 18446744073709551615ull;  // read as int64 it was -1
  EXPECT_NE(ErrorOf([&] { ParseModelConfig(config, "c.json"); }).find("field 'vocab_size'"),
            std::string::npos);
  config = Gpt2Config();
  config["n_head"] = -4;
  EXPECT_NE(ErrorOf([&] { ParseModelConfig(config, "c.json"); }).find("field 'n_head' is -4"),
            std::string::npos);
  config = Gpt2Config();
  config["eos_token_id"] = {1, 4294967297ull};
  EXPECT_NE(ErrorOf([&] { ParseModelConfig(config, "c.json"); }).find("field 'eos_token_id'"),
            std::string::npos);
}

TEST(ModelConfig, DeepConfigFileIsRefusedNamingIt) {
  testing::ScratchDir dir;
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string path = dir.Write("config.json", R"({"architectures": )" + deep + "}");
  std::string message = ErrorOf([&] { LoadModelConfig(path); });
  EXPECT_NE(message.find(path + ": JSON nested deeper than"), std::string::npos) << message;
}

TEST(ModelConfig, EveryTruncationAndCorruptionIsAnErrorNamingTheFile) {
  testing::ScratchDir dir;
  Json config = Gpt2Config();
  config["eos_token_id"] = {1, 2};
  config["rope_scaling"] = nullptr;
  testing::SweepFile(dir.path() + "/config.json", config.dump(),
                     [](const std::string& path) { LoadModelConfig(path); });
}

TEST(SafetensorsHeader, EveryCorruptionIsAnErrorNamingTheFileOrStaysInBounds) {
  testing::ScratchDir dir;
  std::string file = File(
      R"({"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "b": {"dtype": "I8", "shape": [3], "data_offsets": [16, 19]}})",
      19);
  testing::SweepFile(dir.path() + "/m.safetensors", file, [](const std::string& path) {
    std::string bytes = ReadFile(path);
    SafetensorsHeader header = ParseSafetensorsHeader(
        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), path);
    for (const auto& [name, info] : header.tensors) {
      ASSERT_LE(header.data_start + info.end, bytes.size()) << name;
    }
  });
  std::string index =
      R"({"metadata": {"total_size": 8}, "weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}})";
  testing::SweepFile(dir.path() + "/model.safetensors.index.json", index,
                     [](const std::string& path) { ParseShardIndex(ReadFile(path), path); });
}

}  // namespace
}  // namespace ilf::lm
