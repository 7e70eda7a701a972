// Finetuning data: pairs file parsing, label masking, bad-data messages, splits, bucketing.
#include <gtest/gtest.h>

#include <set>

#include "src/core/error.h"
#include "src/lm/train/batching.h"
#include "src/lm/train/pairs.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

// A toy encoder: one token per character (its byte value).
std::vector<int64_t> CharIds(const std::string& text) {
  return std::vector<int64_t>(text.begin(), text.end());
}

std::string ErrorOf(const std::string& path, const PairsOptions& options) {
  try {
    ReadPairs(path, CharIds, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Pairs, MasksPromptAndAppendsEos) {
  testing::ScratchDir dir;
  std::string path = dir.Write("pairs.jsonl",
                               "{\"prompt\": \"ab\", \"target\": \"cd\"}\n\n"
                               "{\"prompt_ids\": [5], \"target_ids\": [6, 7]}\n");
  auto examples = ReadPairs(path, CharIds, {/*eos_token_id=*/2, /*max_length=*/0, 0});
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[0].input_ids, (std::vector<int64_t>{'a', 'b', 'c', 'd', 2}));
  EXPECT_EQ(examples[0].labels, (std::vector<int64_t>{-100, -100, 'c', 'd', 2}));
  EXPECT_EQ(examples[0].TargetTokens(), 3);
  EXPECT_EQ(examples[1].input_ids, (std::vector<int64_t>{5, 6, 7, 2}));
  EXPECT_EQ(examples[1].where, path + ":3");
}

TEST(Pairs, BadDataNamesTheLine) {
  testing::ScratchDir dir;
  const std::string ok = "{\"prompt\": \"p\", \"target\": \"t\"}\n";
  struct Case {
    std::string line;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"{\"prompt\": \"p\", \"target\": \"\"}", ":2: empty target"},
      {"{\"prompt\": \"p\"", ":2: not valid JSON"},
      {"{\"prompt\": \"p\"}", ":2: missing field 'target'"},
      {"{\"target\": \"t\"}", ":2: missing field 'prompt'"},
      {"{\"prompt\": 3, \"target\": \"t\"}", ":2: field 'prompt' must be a string"},
      {"{\"prompt\": \"0123456789\", \"target\": \"t\"}", ":2: prompt+target is 12 tokens"},
      {"{\"prompt_ids\": [1, -4], \"target_ids\": [3]}", ":2: field 'prompt_ids' must hold"},
  };
  for (const Case& c : cases) {
    std::string path = dir.Write("bad.jsonl", ok + c.line + "\n" + ok);
    std::string message = ErrorOf(path, {/*eos_token_id=*/0, /*max_length=*/8, 0});
    EXPECT_NE(message.find(path + c.expected), std::string::npos) << c.line << " → " << message;
  }
  std::string empty = dir.Write("empty.jsonl", "\n");
  EXPECT_NE(ErrorOf(empty, {}).find("no (prompt, target) pairs"), std::string::npos);
}

std::vector<TrainExample> Examples(int n) {
  std::vector<TrainExample> examples;
  for (int i = 0; i < n; ++i) {
    std::vector<int64_t> prompt(1 + (i * 7) % 13, 3);
    examples.push_back(
        MakeExample(prompt, {static_cast<int64_t>(i + 10)}, {}, "x:" + std::to_string(i)));
  }
  return examples;
}

TEST(Batching, ValidationSplitIsSeededAndDisjoint) {
  auto all = Examples(40);
  std::vector<TrainExample> train, val, train2, val2, train3, val3;
  SplitValidation(all, 0.1, 7, &train, &val);
  SplitValidation(all, 0.1, 7, &train2, &val2);
  SplitValidation(all, 0.1, 8, &train3, &val3);
  ASSERT_EQ(val.size(), 4u);
  EXPECT_EQ(train.size(), 36u);
  std::set<std::string> val_where, val3_where;
  for (size_t i = 0; i < val.size(); ++i) {
    EXPECT_EQ(val[i].where, val2[i].where);
    val_where.insert(val[i].where);
    val3_where.insert(val3[i].where);
  }
  for (const auto& e : train) EXPECT_EQ(val_where.count(e.where), 0u);
  EXPECT_NE(val_where, val3_where);
  SplitValidation(Examples(3), 0.01, 7, &train, &val);  // tiny sets still hold one out
  EXPECT_EQ(val.size(), 1u);
  SplitValidation(Examples(3), 0.0, 7, &train, &val);
  EXPECT_EQ(val.size(), 0u);
}

TEST(Batching, EpochPlanCoversEverythingOnceAndBucketsByLength) {
  auto examples = Examples(50);
  auto plan = PlanEpoch(examples, 4, 1, 0);
  std::multiset<int64_t> seen;
  int64_t padded = 0, real = 0;
  for (const auto& batch : plan) {
    EXPECT_LE(batch.size(), 4u);
    size_t longest = 0;
    for (int64_t i : batch) longest = std::max(longest, examples[i].input_ids.size());
    for (int64_t i : batch) {
      seen.insert(i);
      padded += static_cast<int64_t>(longest);
      real += static_cast<int64_t>(examples[i].input_ids.size());
    }
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 50u);
  EXPECT_LT(padded - real, real / 4) << "bucketing should keep padding small";
  EXPECT_EQ(PlanEpoch(examples, 4, 1, 0), plan);  // deterministic
  EXPECT_NE(PlanEpoch(examples, 4, 1, 1), plan);  // a new order each epoch
  EXPECT_NE(PlanEpoch(examples, 4, 2, 0), plan);  // and each seed
}

TEST(Batching, CollatePadsRightAndMasksPadding) {
  std::vector<TrainExample> examples = {MakeExample({1, 2}, {3}, {9, 0, 0}, "a"),
                                        MakeExample({4}, {5, 6, 7}, {9, 0, 0}, "b")};
  Batch batch = Collate(examples, {0, 1}, /*pad_token_id=*/0);
  EXPECT_TRUE(batch.input_ids.equal(torch::tensor({{1, 2, 3, 9, 0}, {4, 5, 6, 7, 9}})));
  EXPECT_TRUE(batch.labels.equal(torch::tensor({{-100, -100, 3, 9, -100}, {-100, 5, 6, 7, 9}})));
  EXPECT_TRUE(batch.attention_mask.equal(torch::tensor({{1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}})));
  EXPECT_EQ(batch.tokens, 9);
  EXPECT_EQ(batch.target_tokens, 6);
}

}  // namespace
}  // namespace ilf::lm
