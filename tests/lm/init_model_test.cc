// init-model writes a Hugging Face layout that reloads to identical logits; seeds decide weights.
#include <gtest/gtest.h>

#include <torch/types.h>

#include <filesystem>

#include "src/core/error.h"
#include "src/lm/causal_lm.h"
#include "src/lm/init_model.h"
#include "src/lm/language_model.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

namespace fs = std::filesystem;

TEST(InitModelTest, SavedModelReloadsToIdenticalLogits) {
  for (const char* name : {"llama-tiny", "gpt2-tiny"}) {
    ILF_DATA_OR_SKIP(config, std::string("golden/") + name + "/config.json");
    testing::ScratchDir dir;
    InitModel({config, dir.path() + "/a", "", 3});
    InitModel({config, dir.path() + "/b", "", 3});
    InitModel({config, dir.path() + "/c", "", 4});
    EXPECT_TRUE(fs::exists(dir.path() + "/a/config.json"));
    // The in-memory model with the same seed equals the saved-and-reloaded one.
    auto fresh = MakeCausalLm(LoadModelConfig(config), torch::TensorOptions());
    InitWeights(*fresh, 3);
    auto a = LoadCausalLm(dir.path() + "/a", torch::TensorOptions());
    auto b = LoadCausalLm(dir.path() + "/b", torch::TensorOptions());
    auto c = LoadCausalLm(dir.path() + "/c", torch::TensorOptions());
    torch::NoGradGuard no_grad;
    torch::Tensor ids = torch::tensor({{5, 17, 3, 99, 1}}, torch::kLong);
    torch::Tensor expected = ForwardLogits(*fresh, ids);
    EXPECT_TRUE(torch::equal(ForwardLogits(*a, ids), expected)) << name;
    EXPECT_TRUE(torch::equal(ForwardLogits(*b, ids), expected)) << name << ": same seed";
    EXPECT_FALSE(torch::equal(ForwardLogits(*c, ids), expected)) << name << ": other seed";
    // HF's init: norms are ones, biases zeros, weights have std initializer_range (0.02).
    for (const auto& item : a->named_parameters()) {
      const std::string& key = item.key();
      bool bias = key.size() > 5 && key.substr(key.size() - 5) == ".bias";
      bool norm = key.find("norm") != std::string::npos || key.find("ln_") != std::string::npos;
      if (bias) {
        EXPECT_EQ(item.value().abs().max().item<float>(), 0.f) << key;
      } else if (norm) {
        EXPECT_TRUE(torch::equal(item.value(), torch::ones_like(item.value()))) << key;
      }
    }
    EXPECT_NEAR(
        a->named_parameters()[std::string(name) == "gpt2-tiny" ? "transformer.wte.weight"
                                                               : "model.embed_tokens.weight"]
            .std()
            .item<float>(),
        0.02, 0.002);
  }
}

TEST(InitModelTest, TokenizerFilesAreCopiedAndMissingOnesAreAnError) {
  ILF_DATA_OR_SKIP(config, "golden/gpt2-tiny/config.json");
  ILF_DATA_OR_SKIP(tokenizer, "tokenizers/gpt2");
  testing::ScratchDir dir;
  InitModel({config, dir.path() + "/m", tokenizer, 0, "bfloat16"});
  EXPECT_TRUE(fs::exists(dir.path() + "/m/vocab.json"));
  EXPECT_TRUE(fs::exists(dir.path() + "/m/merges.txt"));
  EXPECT_TRUE(fs::exists(dir.path() + "/m/generation_config.json"));
  auto model = LoadLanguageModel(dir.path() + "/m", {"cpu", "float32", 0, {}});
  EXPECT_EQ(model->info().eos_token_ids, std::vector<int64_t>{50256});
  EXPECT_THROW(InitModel({config, dir.path() + "/n", dir.path(), 0}), Error);
}

}  // namespace
}  // namespace ilf::lm
