// Pre-tokenization: the regex split and Unicode normalization that come before byte-level BPE.
//
// Hugging Face tokenizers split text into "words" with a regex (Oniguruma syntax) before BPE, and
// BPE never merges across a word boundary. GPT-2 and Qwen2 differ only in that regex and in Qwen2's
// NFC normalizer. Patterns are compiled with PCRE2 (UTF + UCP, JIT when available) after
// translating the one Oniguruma construct whose meaning differs: `\s`, which in Oniguruma also
// matches U+0085 (NEL). A compiled Pretokenizer is immutable and thread-safe; copying is deleted,
// moving is allowed.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ilf::lm {

// GPT-2's pre-tokenizer (HF ByteLevel with use_regex, also used by CodeGen, GPT-J, StarCoder's
// BPE).
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Qwen2 / Qwen2.5's pre-tokenizer (HF Split, "isolated"): case-insensitive contractions, one digit
// per word, newlines kept with the punctuation before them.
inline constexpr const char* kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Rewrites an Oniguruma pattern (as written in tokenizer.json) into PCRE2 syntax with the same
// meaning. Throws ilf::Error for constructs it cannot translate (`\S` inside a character class).
std::string TranslateOnigurumaPattern(std::string_view pattern);

class Pretokenizer {
 public:
  // Compiles `pattern` (Oniguruma syntax). Throws ilf::Error with PCRE2's message and offset when
  // it does not compile.
  explicit Pretokenizer(const std::string& pattern);
  ~Pretokenizer();
  Pretokenizer(Pretokenizer&&) noexcept;
  Pretokenizer& operator=(Pretokenizer&&) noexcept;
  Pretokenizer(const Pretokenizer&) = delete;
  Pretokenizer& operator=(const Pretokenizer&) = delete;

  // Appends to `words` the pieces of `text`: each regex match, and any text between matches as its
  // own piece (HF's "isolated" split). The pieces view `text`, concatenate back to it, and are
  // never empty. `text` must be valid UTF-8 (checked by the caller; not re-checked here).
  void Split(std::string_view text, std::vector<std::string_view>* words) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;  // as given, for messages
  std::unique_ptr<Compiled> compiled_;
};

// NFC normalization of valid UTF-8 text (utf8proc). ASCII text is returned unchanged without work.
std::string NormalizeNfc(std::string_view text);

}  // namespace ilf::lm
