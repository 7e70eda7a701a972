// Generation against Hugging Face's greedy tokens (left-padded batch and unbatched), n samples that
// share one prefill, seeded sampling, end-of-text and stop callbacks.
#include <gtest/gtest.h>

#include <torch/types.h>

#include <set>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/lm/generate.h"
#include "src/lm/weights.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

using Ids = std::vector<int64_t>;

struct GoldenGreedy {
  std::shared_ptr<CausalLmImpl> model;
  std::vector<Ids> prompts, batched, unbatched;
};

GoldenGreedy Load(const std::string& dir) {
  GoldenGreedy g;
  g.model = LoadCausalLm(dir, torch::TensorOptions().dtype(torch::kFloat));
  Json meta = Json::parse(ReadFile(dir + "/golden.json"));
  g.prompts = meta["prompts"].get<std::vector<Ids>>();
  g.batched = meta["greedy"]["new_tokens"].get<std::vector<Ids>>();
  g.unbatched = meta["greedy"]["unbatched_new_tokens"].get<std::vector<Ids>>();
  return g;
}

void ExpectGreedyMatches(const std::string& name) {
  ILF_DATA_OR_SKIP(dir, "golden/" + name);
  GoldenGreedy g = Load(dir);
  GenerationConfig config;
  config.max_new_tokens = 12;
  // One left-padded batch of all three prompts (lengths 5, 9, 13), like HF's generate().
  std::vector<GeneratedSequence> batched = Generate(*g.model, g.prompts, config);
  ASSERT_EQ(batched.size(), g.prompts.size());
  for (size_t i = 0; i < g.prompts.size(); ++i) {
    EXPECT_EQ(batched[i].tokens, g.batched[i]) << name << " batched prompt " << i;
    EXPECT_EQ(batched[i].finish_reason, "length");
    // The same prompt alone gives the same tokens.
    std::vector<GeneratedSequence> alone = Generate(*g.model, {g.prompts[i]}, config);
    EXPECT_EQ(alone[0].tokens, g.unbatched[i]) << name << " unbatched prompt " << i;
    EXPECT_NEAR(alone[0].logprob, batched[i].logprob, 1e-4);
  }
}

TEST(GenerateTest, LlamaTinyGreedyMatchesHuggingFaceBatchedAndAlone) {
  ExpectGreedyMatches("llama-tiny");
}
TEST(GenerateTest, Qwen2TinyGreedyMatchesHuggingFaceBatchedAndAlone) {
  ExpectGreedyMatches("qwen2-tiny");
}
TEST(GenerateTest, Gpt2TinyGreedyMatchesHuggingFaceBatchedAndAlone) {
  ExpectGreedyMatches("gpt2-tiny");
}

TEST(GenerateTest, SamplesSharingOnePrefillEqualSeparateGreedyRuns) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  GoldenGreedy g = Load(dir);
  GenerationConfig config;
  config.max_new_tokens = 12;
  config.num_samples = 3;
  std::vector<GeneratedSequence> shared = Generate(*g.model, g.prompts, config);
  ASSERT_EQ(shared.size(), 9u);
  for (size_t i = 0; i < shared.size(); ++i) {
    EXPECT_EQ(shared[i].prompt_index, static_cast<int64_t>(i / 3));
    EXPECT_EQ(shared[i].sample_index, static_cast<int64_t>(i % 3));
    EXPECT_EQ(shared[i].tokens, g.batched[i / 3]) << "row " << i;
  }
}

// The engine's own counts: the n samples of a prompt continue from one prefill of it, whatever n
// is and however the prompts are batched, and sample 0 is what the prompt gives with n = 1.
TEST(GenerateTest, PrefillCountsDoNotGrowWithTheSamplesPerPrompt) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  GoldenGreedy g = Load(dir);
  GenerationConfig config;
  config.max_new_tokens = 6;
  config.sampling = {1.0, 0, 1.0};
  config.seed = 3;
  GenerationStats one, four, apart;
  std::vector<GeneratedSequence> single = Generate(*g.model, g.prompts, config, {}, {}, &one);
  config.num_samples = 4;
  std::vector<GeneratedSequence> shared = Generate(*g.model, g.prompts, config, {}, {}, &four);
  config.max_batch_rows = 4;  // one prompt and its 4 samples per batch
  std::vector<GeneratedSequence> batched = Generate(*g.model, g.prompts, config, {}, {}, &apart);

  const int64_t prompt_tokens = 5 + 9 + 13;
  EXPECT_EQ(one.prefill_tokens, prompt_tokens) << one.Summary();
  EXPECT_EQ(four.prefill_tokens, prompt_tokens) << four.Summary();
  EXPECT_EQ(four.prefill_rows, 3) << four.Summary();
  EXPECT_EQ(four.prefill_passes, 1) << four.Summary();
  EXPECT_EQ(four.prefill_positions, 3 * 13) << "left-padded to the longest prompt";
  EXPECT_EQ(four.decode_steps, 5) << "the first token comes from the prefill's logits";
  EXPECT_EQ(four.decode_tokens, 12 * 5) << four.Summary();
  EXPECT_EQ(apart.prefill_tokens, prompt_tokens) << apart.Summary();
  EXPECT_EQ(apart.prefill_passes, 3) << apart.Summary();
  EXPECT_EQ(apart.prefill_positions, prompt_tokens) << "a prompt alone needs no padding";
  ASSERT_EQ(shared.size(), 12u);
  for (size_t p = 0; p < single.size(); ++p) {
    EXPECT_EQ(shared[4 * p].tokens, single[p].tokens) << "prompt " << p;
    for (int s = 0; s < 4; ++s) EXPECT_EQ(batched[4 * p + s].tokens, shared[4 * p + s].tokens);
  }
}

TEST(GenerateTest, SeededSamplingIsReproducibleAndIndependentOfBatching) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  GoldenGreedy g = Load(dir);
  GenerationConfig config;
  config.max_new_tokens = 10;
  config.num_samples = 4;
  config.sampling = {1.0, 50, 0.95};
  config.seed = 7;
  std::vector<GeneratedSequence> a = Generate(*g.model, g.prompts, config);
  std::vector<GeneratedSequence> b = Generate(*g.model, g.prompts, config);
  config.max_batch_rows = 4;  // one prompt per batch
  std::vector<GeneratedSequence> c = Generate(*g.model, g.prompts, config);
  std::set<Ids> distinct;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens) << "same seed, row " << i;
    EXPECT_EQ(a[i].tokens, c[i].tokens) << "other batching, row " << i;
    distinct.insert(a[i].tokens);
  }
  EXPECT_GT(distinct.size(), 6u) << "samples at temperature 1 should differ";
  config.seed = 8;
  std::vector<GeneratedSequence> d = Generate(*g.model, g.prompts, config);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].tokens == d[i].tokens;
  EXPECT_LT(same, 3) << "another seed should give other samples";
}

// A server answers a run's prompts a, a+1, ... in a request seeded PromptSeed(seed, a), each of its
// prompts then seeded by prompt_seeds: it must draw what the whole in-process run draws.
TEST(GenerateTest, PromptSeedsReproduceARunsSamplesForASubsetOfItsPrompts) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  GoldenGreedy g = Load(dir);
  GenerationConfig config;
  config.max_new_tokens = 8;
  config.num_samples = 2;
  config.sampling = {1.0, 0, 1.0};
  config.seed = 11;
  std::vector<GeneratedSequence> all = Generate(*g.model, g.prompts, config);
  GenerationConfig tail = config;
  tail.seed = PromptSeed(config.seed, 1);  // prompts 1 and 2 alone, seeded for offset 1
  std::vector<GeneratedSequence> rest = Generate(*g.model, {g.prompts[1], g.prompts[2]}, tail);
  GenerationConfig explicit_seeds = config;  // the last prompt with its own seed given
  explicit_seeds.prompt_seeds = {PromptSeed(config.seed, 2)};
  std::vector<GeneratedSequence> last = Generate(*g.model, {g.prompts[2]}, explicit_seeds);
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].tokens, all[2 + i].tokens) << i;
  for (size_t i = 0; i < last.size(); ++i) EXPECT_EQ(last[i].tokens, all[4 + i].tokens) << i;
}

TEST(GenerateTest, EndOfTextAndStopCallbackEndRowsEarly) {
  ILF_DATA_OR_SKIP(dir, "golden/llama-tiny");
  GoldenGreedy g = Load(dir);
  GenerationConfig config;
  config.max_new_tokens = 12;
  // Prompt 1 greedily yields 208, 7, 456, 255, ...: make 456 end-of-text.
  config.eos_token_ids = {456};
  std::vector<GeneratedSequence> out =
      Generate(*g.model, g.prompts, config,
               [](int64_t prompt, const Ids& tokens) { return prompt == 2 && tokens.size() == 3; });
  EXPECT_EQ(out[1].tokens, (Ids{208, 7}));
  EXPECT_EQ(out[1].finish_reason, "eos");
  EXPECT_EQ(out[2].tokens, (Ids{215, 54, 162}));
  EXPECT_EQ(out[2].finish_reason, "stop");
  EXPECT_EQ(out[0].tokens, g.batched[0]) << "other rows are unaffected when rows finish";
}

TEST(GenerateTest, BadPromptsAreInputErrors) {
  ILF_DATA_OR_SKIP(dir, "golden/gpt2-tiny");
  GoldenGreedy g = Load(dir);
  GenerationConfig config;
  EXPECT_THROW(Generate(*g.model, {{}}, config), Error);
  EXPECT_THROW(Generate(*g.model, {{50257}}, config), Error);
  config.max_new_tokens = 200;  // n_positions is 128
  EXPECT_THROW(Generate(*g.model, {{1, 2, 3}}, config), Error);
}

}  // namespace
}  // namespace ilf::lm
