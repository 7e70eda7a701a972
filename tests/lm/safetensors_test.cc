// Corrupt and mismatched checkpoints give an ilf::Error naming the file and tensor, never a crash;
// the writer round-trips.
#include <gtest/gtest.h>

#include <torch/types.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/lm/safetensors.h"
#include "src/lm/safetensors_writer.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

std::string LengthPrefix(uint64_t n) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return bytes;
}

// A safetensors file with the given header JSON text and `data_bytes` zero bytes of data.
std::string File(const std::string& header, size_t data_bytes) {
  return LengthPrefix(header.size()) + header + std::string(data_bytes, '\0');
}

// Runs `fn`, expecting an ilf::Error whose message contains every one of `parts`.
template <typename Fn>
void ExpectError(Fn fn, std::vector<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning " << parts[0];
  } catch (const Error& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "missing '" << part << "' in: " << e.what();
    }
  }
}

TEST(SafetensorsTest, WriterRoundTripsNamesShapesDtypesAndValues) {
  testing::ScratchDir dir;
  std::string path = dir.path() + "/t.safetensors";
  torch::Tensor a = torch::arange(6, torch::kFloat).view({2, 3});
  torch::Tensor b = torch::tensor({1.5, -2.0, 3.25}).to(torch::kBFloat16);
  torch::Tensor c = torch::tensor({7}, torch::kLong);
  WriteSafetensors(path, {{"z.weight", a}, {"a.bias", b}, {"m.ids", c}});
  SafetensorsFile file(path);
  ASSERT_EQ(file.tensors().size(), 3u);
  EXPECT_TRUE(torch::equal(file.View("z.weight"), a));
  EXPECT_EQ(file.Find("a.bias")->dtype, "BF16");
  EXPECT_TRUE(torch::equal(file.View("a.bias"), b));
  EXPECT_EQ(file.View("m.ids").item<int64_t>(), 7);
  std::string bytes = ReadFile(path);
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  EXPECT_EQ((8 + header) % 8, 0u) << "data area starts 8-byte aligned";
}

TEST(SafetensorsTest, CorruptHeadersNameTheFileAndTensor) {
  testing::ScratchDir dir;
  const std::string ok = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  std::string truncated =
      dir.Write("truncated.safetensors", File(ok, 16).substr(0, 8 + ok.size() + 7));
  ExpectError([&] { SafetensorsFile f(truncated); },
              {"truncated.safetensors", "'w'", "outside the data area"});

  std::string past_end = dir.Write("past_end.safetensors", LengthPrefix(1 << 20) + ok);
  ExpectError([&] { SafetensorsFile f(past_end); }, {"past_end.safetensors", "past the end"});

  std::string tiny = dir.Write("tiny.safetensors", "abc");
  ExpectError([&] { SafetensorsFile f(tiny); }, {"tiny.safetensors", "too short"});

  std::string overlap = dir.Write(
      "overlap.safetensors",
      File(
          R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
          16));
  ExpectError([&] { SafetensorsFile f(overlap); },
              {"overlap.safetensors", "overlap", "'a'", "'b'"});

  std::string bad_size =
      dir.Write("bad_size.safetensors",
                File(R"({"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}})", 16));
  ExpectError([&] { SafetensorsFile f(bad_size); }, {"bad_size.safetensors", "'w'", "expected 24"});

  std::string bad_dtype =
      dir.Write("bad_dtype.safetensors",
                File(R"({"w":{"dtype":"F8_E9","shape":[2],"data_offsets":[0,2]}})", 2));
  ExpectError([&] { SafetensorsFile f(bad_dtype); }, {"bad_dtype.safetensors", "'w'", "F8_E9"});

  std::string bad_json = dir.Write("bad_json.safetensors", File(R"({"w":{"dtype":)", 0));
  ExpectError([&] { SafetensorsFile f(bad_json); },
              {"bad_json.safetensors: header: not valid JSON"});
}

// A copy of golden/llama-tiny whose weights or config were changed by `edit`.
class MismatchedCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = testing::FindData("golden/llama-tiny");
    if (source_.empty()) GTEST_SKIP() << "golden/llama-tiny not found under ILF_DATA_DIR";
    WriteFileAtomically(dir_.path() + "/config.json", ReadFile(source_ + "/config.json"));
  }
  // Writes the golden weights, renamed/replaced by `edit`, to the scratch checkpoint.
  void WriteWeights(
      const std::function<void(std::vector<std::pair<std::string, torch::Tensor>>&)>& edit) {
    SafetensorsFile golden(source_ + "/model.safetensors");
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [name, info] : golden.tensors())
      tensors.emplace_back(name, golden.View(name).clone());
    edit(tensors);
    WriteSafetensors(dir_.path() + "/model.safetensors", tensors);
  }
  std::string source_;
  testing::ScratchDir dir_;
};

TEST_F(MismatchedCheckpointTest, WrongShapeMissingAndUnexpectedTensorsAreListed) {
  WriteWeights([](auto& tensors) {
    for (auto& [name, t] : tensors) {
      if (name == "model.layers.1.self_attn.q_proj.weight") t = torch::zeros({32, 16});
      if (name == "model.layers.0.mlp.up_proj.weight") name = "model.layers.0.mlp.up.weight";
    }
  });
  ExpectError([&] { LoadCausalLm(dir_.path(), torch::TensorOptions()); },
              {"model.safetensors",
               "tensor 'model.layers.1.self_attn.q_proj.weight': shape [32, 16] in checkpoint",
               "model expects [32, 32]", "missing", "'model.layers.0.mlp.up_proj.weight'",
               "unexpected", "'model.layers.0.mlp.up.weight'"});
}

TEST_F(MismatchedCheckpointTest, UnknownArchitectureNamesConfigAndValue) {
  WriteWeights([](auto&) {});
  std::string config = ReadFile(dir_.path() + "/config.json");
  config.replace(config.find("LlamaForCausalLM"), 16, "FalconForCausalLM");
  WriteFileAtomically(dir_.path() + "/config.json", config);
  ExpectError([&] { LoadCausalLm(dir_.path(), torch::TensorOptions()); },
              {"config.json", "unknown architecture 'FalconForCausalLM'"});
}

TEST_F(MismatchedCheckpointTest, ShardedCheckpointLoadsAndTruncatedShardFails) {
  SafetensorsFile golden(source_ + "/model.safetensors");
  std::vector<std::pair<std::string, torch::Tensor>> first, second;
  Json index = {{"metadata", Json::object()}, {"weight_map", Json::object()}};
  int i = 0;
  for (const auto& [name, info] : golden.tensors()) {
    bool one = i++ % 2 == 0;
    (one ? first : second).emplace_back(name, golden.View(name).clone());
    index["weight_map"][name] =
        one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  WriteSafetensors(dir_.path() + "/model-00001-of-00002.safetensors", first);
  WriteSafetensors(dir_.path() + "/model-00002-of-00002.safetensors", second);
  WriteFileAtomically(dir_.path() + "/model.safetensors.index.json", index.dump());
  auto sharded = LoadCausalLm(dir_.path(), torch::TensorOptions());
  auto single = LoadCausalLm(source_, torch::TensorOptions());
  for (const auto& item : single->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), sharded->named_parameters()[item.key()])) << item.key();
  }
  std::string shard = dir_.path() + "/model-00002-of-00002.safetensors";
  std::string bytes = ReadFile(shard);
  WriteFileAtomically(shard, bytes.substr(0, bytes.size() - 100));
  ExpectError([&] { LoadCausalLm(dir_.path(), torch::TensorOptions()); },
              {"model-00002-of-00002.safetensors", "outside the data area"});
}

}  // namespace
}  // namespace ilf::lm
