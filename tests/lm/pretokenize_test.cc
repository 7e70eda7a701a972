// Pre-tokenizer regexes (PCRE2 with Oniguruma's \s) and NFC, table-driven.
#include "src/lm/pretokenize.h"

#include <gtest/gtest.h>

#include "src/core/error.h"

namespace ilf::lm {
namespace {

std::vector<std::string> Words(const char* pattern, std::string_view text) {
  Pretokenizer pretokenizer(pattern);
  std::vector<std::string_view> views;
  pretokenizer.Split(text, &views);
  return std::vector<std::string>(views.begin(), views.end());
}

using W = std::vector<std::string>;

TEST(Pretokenize, Gpt2Words) {
  EXPECT_EQ(Words(kGpt2Pattern, "Hello world"), (W{"Hello", " world"}));
  EXPECT_EQ(Words(kGpt2Pattern, "it's  x\n\n"), (W{"it", "'s", " ", " x", "\n\n"}));
  EXPECT_EQ(Words(kGpt2Pattern, "x=12345"), (W{"x", "=", "12345"}));
  EXPECT_EQ(Words(kGpt2Pattern, "IT'S"), (W{"IT", "'", "S"}));  // GPT-2 is case-sensitive
  EXPECT_EQ(Words(kGpt2Pattern, ""), W{});
}

TEST(Pretokenize, Qwen2Words) {
  EXPECT_EQ(Words(kQwen2Pattern, "IT'S 2024"), (W{"IT", "'S", " ", "2", "0", "2", "4"}));
  // One non-letter may lead a word; newlines stay with the punctuation before them.
  EXPECT_EQ(Words(kQwen2Pattern, "f(x):\n    return"), (W{"f", "(x", "):\n", "   ", " return"}));
  EXPECT_EQ(Words(kQwen2Pattern, "a\u00a0b"), (W{"a", "\u00a0b"}));  // NBSP glues to the letter
}

TEST(Pretokenize, OnigurumaSpaceIncludesNextLine) {
  // U+0085 is White_Space (Oniguruma's \s) but not in PCRE2's UCP \s; the translation adds it.
  EXPECT_EQ(Words(R"(\s+)", "a\u0085b"), (W{"a", "\u0085", "b"}));
  EXPECT_EQ(Words(R"([^\s]+)", "a\u0085b"), (W{"a", "\u0085", "b"}));
  EXPECT_EQ(TranslateOnigurumaPattern(R"(\\s[\]\s])"),
            R"(\\s[\]\t\n\x0B\f\r\x{85}\p{Z}])");  // an escaped backslash is not \s
  EXPECT_THROW(TranslateOnigurumaPattern(R"([\S])"), Error);
  EXPECT_THROW(Pretokenizer("(unclosed"), Error);
}

TEST(Pretokenize, TextBetweenMatchesIsKept) {
  EXPECT_EQ(Words(R"(\d+)", "ab12cd"), (W{"ab", "12", "cd"}));
}

TEST(Pretokenize, NfcComposes) {
  EXPECT_EQ(NormalizeNfc("e\u0301"), "\u00e9");
  EXPECT_EQ(NormalizeNfc("plain ascii"), "plain ascii");
  EXPECT_EQ(NormalizeNfc("\u00e9"), "\u00e9");
}

}  // namespace
}  // namespace ilf::lm
