// Byte-level spelling and UTF-8 repair (as Rust's String::from_utf8_lossy, which HF uses).
#include "src/lm/tokenizer_bytes.h"

#include <gtest/gtest.h>

namespace ilf::lm {
namespace {

TEST(TokenizerBytes, SpellingRoundTripsAllBytes) {
  EXPECT_EQ(ByteToVocabChars(' '), "Ġ");
  EXPECT_EQ(ByteToVocabChars('\n'), "Ċ");
  EXPECT_EQ(ByteToVocabChars('A'), "A");
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(VocabTokenToBytes(ByteToVocabChars(static_cast<uint8_t>(b))),
              std::string(1, static_cast<char>(b)));
  }
  EXPECT_EQ(VocabTokenToBytes("Ġworld"), " world");
  EXPECT_EQ(VocabTokenToBytes("家"), std::nullopt);  // not a byte spelling
}

TEST(TokenizerBytes, RepairReplacesMaximalInvalidSubparts) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  struct Case {
    std::string bytes, repaired;
  };
  for (const Case& c : std::vector<Case>{
           {"ok", "ok"},
           {"\xE5\xAE", r},  // 家 cut after 2 of 3 bytes: one U+FFFD
           {"\xE5\xAE"
            "A",
            r + "A"},
           {"\x80\x80", r + r},                  // lone continuation bytes: one each
           {"\xC0\xAF", r + r},                  // overlong
           {"\xED\xA0\x80", r + r + r},          // surrogate
           {"\xF4\x90\x80\x80", r + r + r + r},  // past U+10FFFF
           {"\xF0\x9F\x99\x82", "\xF0\x9F\x99\x82"},
       }) {
    EXPECT_EQ(RepairUtf8(c.bytes), c.repaired) << testing::PrintToString(c.bytes);
    EXPECT_EQ(FindInvalidUtf8(c.bytes).has_value(), c.bytes != c.repaired);
  }
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), std::optional<size_t>(2));
}

}  // namespace
}  // namespace ilf::lm
