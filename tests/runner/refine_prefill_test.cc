// Refinement on a tiny random checkpoint (meaningless text, real plumbing): the N refinements of
// an item continue from one prefill of its prompt. The engine counts what it computed
// (lm::GenerationStats), and the prefill holds each item's prompt tokens once, whatever N is.
#include <gtest/gtest.h>

#include "runner/round/code_adapter.h"
#include "runner/round/refine.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf::round {
namespace {

std::vector<FeedbackItem> Items() {
  return {
      {"f-11", "11", "3", "def remove_Occ(s,ch):\n    return s",
       "It returns s unchanged: remove the first and the last occurrence of ch."},
      {"f-12", "12", "0", "def sort_matrix(M):\n    return M",
       "Sort the rows by their sums: sorted(M, key=sum)."},
      {"f-13", "13", "1", "def count_common(words):\n    return []",
       "Count each word and return the four most common with their counts."},
  };
}

TEST(RefinePrefillTest, NRefinementsOfAnItemShareOnePrefillOfItsPrompt) {
  if (testing::FindData("mbpp/mbpp.jsonl").empty())
    GTEST_SKIP() << "mbpp not found under ILF_DATA_DIR; set ILF_DATA_DIR to run this test";
  testing::ScratchDir dir;
  std::string model_dir = testing::MakeTinyGpt2(dir, "model");
  if (model_dir.empty()) GTEST_SKIP() << "tokenizers/gpt2 not found under ILF_DATA_DIR";
  TextModel model(model_dir, "", lm::LoadOptions{});
  CodeAdapterOptions adapter_options;
  adapter_options.count_tokens = [&](const std::string& text) { return model.CountTokens(text); };
  CodeAdapter adapter(adapter_options);
  std::vector<FeedbackItem> items = Items();
  int64_t prompt_tokens = 0;
  for (const FeedbackItem& item : items) {
    prompt_tokens += static_cast<int64_t>(
        model.CountTokens(adapter.RefinementPrompt(item.task_id, item.program, item.feedback)));
  }

  lm::GenerateOptions options;
  options.temperature = 0.8;
  options.top_p = 0.95;
  options.max_new_tokens = 8;
  options.seed = 4;
  options.n = 1;
  std::vector<Output> single = Refine(adapter, model, items, options);
  lm::GenerationStats single_stats = model.model().last_generation_stats();
  options.n = 5;
  std::vector<Output> shared = Refine(adapter, model, items, options);
  lm::GenerationStats shared_stats = model.model().last_generation_stats();

  EXPECT_EQ(single_stats.prefill_tokens, prompt_tokens) << single_stats.Summary();
  EXPECT_EQ(shared_stats.prefill_tokens, prompt_tokens)
      << "5 refinements of each item should share its prefill, not prefill 5 rows: "
      << shared_stats.Summary();
  EXPECT_EQ(shared_stats.prefill_rows, 3) << shared_stats.Summary();
  EXPECT_EQ(shared_stats.prefill_passes, 1) << "the three items are batched together";
  EXPECT_GT(shared_stats.decode_tokens, single_stats.decode_tokens) << shared_stats.Summary();

  // Sharing the prefill changes no output: refinement #0 of each item is the one it gets alone.
  ASSERT_EQ(single.size(), 3u);
  ASSERT_EQ(shared.size(), 15u);
  for (size_t i = 0; i < single.size(); ++i) {
    EXPECT_EQ(shared[5 * i].sample_id, single[i].sample_id);
    EXPECT_EQ(shared[5 * i].completion, single[i].completion) << single[i].sample_id;
    // Later steps decode 15 rows instead of 3: matrix products of another shape may round the
    // last bits of the logits differently (README, "Batch invariance").
    EXPECT_NEAR(shared[5 * i].logprob, single[i].logprob, 1e-4) << single[i].sample_id;
  }
}

}  // namespace
}  // namespace ilf::round
