// Shared by the summarization tests that run a model: the golden tiny Qwen2 checkpoint (real
// Qwen2.5 vocabulary, random weights) with the Qwen2.5 tokenizer, and the direct computation the
// selectors are checked against: one unpadded forward pass per prompt, log-softmax of the last
// position.
#pragma once

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "src/lm/causal_lm.h"
#include "src/lm/language_model.h"
#include "src/lm/layers.h"
#include "src/lm/tokenizer.h"
#include "src/lm/weights.h"
#include "tasks/summarization/suite.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf::tasks::summarization {

class SummarizationModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The InstructRM prompts pass the golden model's 256 positions.
    model_dir_ = testing::WithMaxPositions(scratch_, testing::FindData("golden/qwen2-tiny"),
                                           "qwen2-tiny", 4096);
    std::string tokenizer_dir = testing::FindData("tokenizers/qwen2.5-coder-0.5b-instruct");
    if (model_dir_.empty() || tokenizer_dir.empty()) {
      GTEST_SKIP() << "golden/qwen2-tiny or tokenizers/qwen2.5-coder-0.5b-instruct not found under "
                      "ILF_DATA_DIR; set ILF_DATA_DIR to run this test";
    }
    tokenizer_ = std::make_unique<lm::Tokenizer>(lm::Tokenizer::Load(tokenizer_dir));
    lm::LoadOptions options;
    options.device = "cpu";
    options.dtype = "float32";
    model_ = lm::LoadLanguageModel(model_dir_, options);
    items_ = LoadSummaryItems(std::string(std::getenv("ILF_SOURCE_DIR")) +
                              "/tasks/examples/summarization/slf5k-fixture.jsonl");
    items_.resize(3);
    for (SummaryItem& item : items_) {
      item.refinements = {item.reference, item.initial_summary, item.title};
    }
  }

  // log p(candidate | text) at the next position, from one forward pass over `text` alone (the LM
  // head applied to its last position only: the vocabulary has 151,936 entries).
  std::vector<double> DirectLogprobs(const std::string& text,
                                     const std::vector<std::string>& words) {
    torch::NoGradGuard no_grad;
    torch::Tensor hidden = DirectHidden(text);                              // [T, D]
    torch::Tensor logits = direct_->Logits(hidden[-1]).to(torch::kDouble);  // [V]
    torch::Tensor last = torch::log_softmax(logits, -1);                    // [V]
    std::vector<double> out;
    for (const std::string& word : words) {
      std::vector<int32_t> id = tokenizer_->Encode(word, false);
      EXPECT_EQ(id.size(), 1u) << word;
      out.push_back(last[id[0]].item<double>());
    }
    return out;
  }

  // The mean of the final hidden states of `text` computed alone, for the embedding selector.
  std::vector<double> DirectMeanHidden(const std::string& text) {
    torch::NoGradGuard no_grad;
    torch::Tensor mean = DirectHidden(text).mean(0).to(torch::kDouble).contiguous();  // [D]
    return std::vector<double>(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
  }

  // Final hidden states [T, D] of `text`, unpadded, with the checkpoint loaded directly.
  torch::Tensor DirectHidden(const std::string& text) {
    if (!direct_) {
      direct_ = lm::LoadCausalLm(model_dir_, torch::TensorOptions().dtype(torch::kFloat));
    }
    std::vector<int32_t> ids32 = tokenizer_->Encode(text, false);
    std::vector<int64_t> ids(ids32.begin(), ids32.end());
    const int64_t len = ids.size();
    torch::Tensor positions = torch::arange(len, torch::kLong).unsqueeze(0);  // [1, T]
    torch::Tensor mask = lm::CausalMask(torch::ones({1, len}, torch::kBool), len, torch::kFloat);
    return direct_->Forward(torch::tensor(ids, torch::kLong).unsqueeze(0), positions, mask,
                            nullptr)[0];  // [T, D]
  }

  testing::ScratchDir scratch_;  // holds the long-context copy of the model
  std::string model_dir_;
  std::unique_ptr<lm::Tokenizer> tokenizer_;
  std::unique_ptr<lm::LanguageModel> model_;
  std::shared_ptr<lm::CausalLmImpl> direct_;
  std::vector<SummaryItem> items_;
};

}  // namespace ilf::tasks::summarization
