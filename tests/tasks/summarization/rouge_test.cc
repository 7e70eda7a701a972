// ROUGE-L as rouge-score computes "rougeL". Every expected value below is worked out by hand from
// the published definition (Lin 2004; rouge-score's tokenizer and F = 2PR / (P + R)); the comment
// of each case shows the tokens and the LCS.
#include "tasks/summarization/rouge.h"

#include <gtest/gtest.h>

namespace ilf::tasks::summarization {
namespace {

using Tokens = std::vector<std::string>;

TEST(RougeTokens, LowercaseAlphanumericRunsOnly) {
  EXPECT_EQ(RougeTokens("The cat's HAT, covid-19!", false),
            (Tokens{"the", "cat", "s", "hat", "covid", "19"}));
  // Non-ASCII letters are separators: "café" -> "caf".
  EXPECT_EQ(RougeTokens("caf\xc3\xa9 au lait", false), (Tokens{"caf", "au", "lait"}));
  EXPECT_EQ(RougeTokens("  ...  ", false), Tokens{});
}

TEST(RougeTokens, StemsOnlyTokensLongerThanThreeCharacters) {
  // "ties" (4) -> "tie"; "was" (3) stays "was" although Porter would give "wa"; "dogs" -> "dog".
  EXPECT_EQ(RougeTokens("Ties was dogs running", true), (Tokens{"tie", "was", "dog", "run"}));
}

TEST(LcsLength, TiesAndOrder) {
  // Four LCSs of length 2 tie (a c, a d, b c, b d).
  EXPECT_EQ(LcsLength({"a", "b", "c", "d"}, {"b", "a", "d", "c"}), 2u);
  // Greedy matching of the first token would find only "x"; the LCS is "a b c".
  EXPECT_EQ(LcsLength({"x", "a", "b", "c"}, {"a", "b", "c", "x"}), 3u);
  EXPECT_EQ(LcsLength({}, {"a"}), 0u);
}

struct Pair {
  const char* target;
  const char* prediction;
  bool stem;
  double precision, recall, fmeasure;
};

TEST(RougeL, HandComputedPairs) {
  const Pair pairs[] = {
      // Identical text: LCS 6 of 6.
      {"the cat sat on the mat", "The cat sat on the mat.", false, 1, 1, 1},
      // Tie: target [a b c d], prediction [b a d c], LCS 2: P = R = F = 2/4.
      {"a b c d", "b a d c", false, 0.5, 0.5, 0.5},
      // Order: target [x a b c], prediction [a b c x], LCS 3: 3/4 each.
      {"x a b c", "a b c x", false, 0.75, 0.75, 0.75},
      // Without stemming: target [the dogs were running quickly], prediction [the dog runs
      // quick], LCS [the] = 1: P = 1/4, R = 1/5, F = 2 (1/20) / (9/20) = 2/9.
      {"The dogs were running quickly", "the dog runs quick", false, 0.25, 0.2, 2.0 / 9},
      // With stemming: [the dog were run quickli] vs [the dog run quick] ("dog" has 3 letters and
      // is not stemmed; quickly -> quickli, not quick), LCS [the dog run] = 3: P = 3/4, R = 3/5,
      // F = 0.9 / 1.35 = 2/3.
      {"The dogs were running quickly", "the dog runs quick", true, 0.75, 0.6, 2.0 / 3},
      // "ties" stems to "tie"; "tie" (3 letters) is left alone: equal only with stemming.
      {"ties", "tie", true, 1, 1, 1},
      {"ties", "tie", false, 0, 0, 0},
      // Tokenisation: "cat's" is [cat s]; "can't" is [can t]. Target [the cat s toy], prediction
      // [a cat s toy can t], LCS [cat s toy] = 3: P = 3/6, R = 3/4, F = 0.75 / 1.25 = 0.6.
      {"The cat's toy", "A cat's toy, can't", false, 0.5, 0.75, 0.6},
      // Non-ASCII as separator: [caf au lait] vs [cafe au lait], LCS 2: 2/3 each (with stemming
      // "cafe" stays: m = 1 and c-a-f ends consonant-vowel-consonant).
      {"caf\xc3\xa9 au lait", "cafe au lait", true, 2.0 / 3, 2.0 / 3, 2.0 / 3},
      // No tokens on one side: all zero.
      {"", "anything", false, 0, 0, 0},
      {"something", "?!", false, 0, 0, 0},
      // Repeated tokens: target [a a a b], prediction [a b b], LCS [a b] = 2: P = 2/3, R = 2/4,
      // F = (2/3) / (7/6) = 4/7.
      {"a a a b", "a b b", false, 2.0 / 3, 0.5, 4.0 / 7},
  };
  for (const Pair& p : pairs) {
    RougeScore score = RougeL(p.target, p.prediction, p.stem);
    SCOPED_TRACE(std::string(p.target) + " | " + p.prediction + (p.stem ? " (stem)" : ""));
    EXPECT_NEAR(score.precision, p.precision, 1e-12);
    EXPECT_NEAR(score.recall, p.recall, 1e-12);
    EXPECT_NEAR(score.fmeasure, p.fmeasure, 1e-12);
  }
}

}  // namespace
}  // namespace ilf::tasks::summarization
