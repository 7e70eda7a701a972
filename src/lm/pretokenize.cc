#include "src/lm/pretokenize.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include <cstdlib>

#include "src/core/error.h"

namespace ilf::lm {
namespace {

// Oniguruma's \s for UTF-8: the Unicode White_Space property, which is \t\n\v\f\r, U+0085 and the
// Z categories. PCRE2's UCP \s lacks U+0085.
constexpr const char* kSpaceMembers = R"(\t\n\x0B\f\r\x{85}\p{Z})";

std::string Pcre2Message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

std::string TranslateOnigurumaPattern(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char next = pattern[++i];
      if (next == 's') {
        out += in_class ? std::string(kSpaceMembers) : "[" + std::string(kSpaceMembers) + "]";
      } else if (next == 'S') {
        if (in_class) {
          throw Error("pre-tokenizer pattern '" + std::string(pattern) +
                      "': \\S inside a character class (offset " + std::to_string(i - 1) +
                      ") is not supported; hint: rewrite it as a negated class");
        }
        out += "[^" + std::string(kSpaceMembers) + "]";
      } else {
        out += '\\';
        out += next;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

struct Pretokenizer::Compiled {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Compiled() { pcre2_code_free(code); }
};

Pretokenizer::Pretokenizer(const std::string& pattern)
    : pattern_(pattern), compiled_(std::make_unique<Compiled>()) {
  std::string translated = TranslateOnigurumaPattern(pattern);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  compiled_->code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                    PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (compiled_->code == nullptr) {
    throw Error("pre-tokenizer pattern '" + pattern +
                "' does not compile: " + Pcre2Message(error_code) + " at offset " +
                std::to_string(error_offset) + " of the translated pattern '" + translated + "'");
  }
  compiled_->jit = pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE) == 0;
}

Pretokenizer::~Pretokenizer() = default;
Pretokenizer::Pretokenizer(Pretokenizer&&) noexcept = default;
Pretokenizer& Pretokenizer::operator=(Pretokenizer&&) noexcept = default;

void Pretokenizer::Split(std::string_view text, std::vector<std::string_view>* words) const {
  if (text.empty()) return;
  // Match data is per call, so concurrent Split calls share nothing mutable.
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> match(
      pcre2_match_data_create_from_pattern(compiled_->code, nullptr), pcre2_match_data_free);
  ILF_CHECK(match != nullptr, "out of memory");
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t position = 0;  // everything before it is already in `words`
  size_t search = 0;    // where the next match attempt starts
  while (search < text.size()) {
    uint32_t options = PCRE2_NO_UTF_CHECK;
    int rc =
        pcre2_match(compiled_->code, subject, text.size(), search, options, match.get(), nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {  // a pathological input: retry with the interpreter
      rc = pcre2_match(compiled_->code, subject, text.size(), search, options | PCRE2_NO_JIT,
                       match.get(), nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      throw Error("pre-tokenizer pattern '" + pattern_ + "' failed at byte " +
                  std::to_string(search) + ": " + Pcre2Message(rc));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    size_t begin = ovector[0], end = ovector[1];
    if (begin == end) {  // an empty match splits nothing; step over one code point
      ++search;
      while (search < text.size() && (static_cast<uint8_t>(text[search]) & 0xC0) == 0x80) ++search;
      continue;
    }
    if (begin > position) words->push_back(text.substr(position, begin - position));
    words->push_back(text.substr(begin, end - begin));
    position = search = end;
  }
  if (position < text.size()) words->push_back(text.substr(position));
}

std::string NormalizeNfc(std::string_view text) {
  bool ascii = true;
  for (char c : text) ascii &= static_cast<uint8_t>(c) < 0x80;
  if (ascii) return std::string(text);
  utf8proc_uint8_t* normalized = nullptr;
  utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &normalized,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (length < 0) {
    throw Error(std::string("NFC normalization failed: ") + utf8proc_errmsg(length) +
                "; hint: the text must be valid UTF-8");
  }
  std::string result(reinterpret_cast<const char*>(normalized), static_cast<size_t>(length));
  std::free(normalized);
  return result;
}

}  // namespace ilf::lm
