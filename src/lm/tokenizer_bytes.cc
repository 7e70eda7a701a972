#include "src/lm/tokenizer_bytes.h"

#include <array>
#include <unordered_map>

namespace ilf::lm {
namespace {

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

struct ByteTables {
  std::array<std::string, 256> spelling;         // byte -> UTF-8 of its code point
  std::unordered_map<uint32_t, uint8_t> decode;  // code point -> byte
};

const ByteTables& Tables() {
  static const ByteTables tables = [] {
    ByteTables t;
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      uint32_t code_point = printable ? b : next++;
      AppendUtf8(code_point, t.spelling[b]);
      t.decode[code_point] = static_cast<uint8_t>(b);
    }
    return t;
  }();
  return tables;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid. `maximal`
// receives the length of the maximal invalid prefix (at least 1) when invalid, following the
// Unicode "maximal subpart" rule that from_utf8_lossy implements.
size_t ValidSequenceLength(std::string_view text, size_t i, size_t* maximal) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t first = byte(i);
  *maximal = 1;
  if (first < 0x80) return 1;
  size_t need;
  uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (first >= 0xC2 && first <= 0xDF) {
    need = 2;
  } else if (first >= 0xE0 && first <= 0xEF) {
    need = 3;
    if (first == 0xE0) low = 0xA0;
    if (first == 0xED) high = 0x9F;  // no surrogates
  } else if (first >= 0xF0 && first <= 0xF4) {
    need = 4;
    if (first == 0xF0) low = 0x90;
    if (first == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (size_t k = 1; k < need; ++k) {
    if (i + k >= text.size()) return 0;
    uint8_t c = byte(i + k);
    bool ok = k == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF);
    if (!ok) return 0;
    *maximal = k + 1;
  }
  return need;
}

}  // namespace

const std::string& ByteToVocabChars(uint8_t byte) { return Tables().spelling[byte]; }

std::optional<std::string> VocabTokenToBytes(std::string_view token) {
  const ByteTables& tables = Tables();
  std::string bytes;
  bytes.reserve(token.size());
  size_t i = 0;
  while (i < token.size()) {
    size_t unused;
    size_t length = ValidSequenceLength(token, i, &unused);
    if (length == 0 || length > 2) return std::nullopt;  // all 256 spellings are below U+0800
    uint32_t code_point = static_cast<uint8_t>(token[i]);
    if (length == 2) {
      code_point = ((code_point & 0x1F) << 6) | (static_cast<uint8_t>(token[i + 1]) & 0x3F);
    }
    auto it = tables.decode.find(code_point);
    if (it == tables.decode.end()) return std::nullopt;
    bytes += static_cast<char>(it->second);
    i += length;
  }
  return bytes;
}

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t maximal;
    size_t length = ValidSequenceLength(text, i, &maximal);
    if (length == 0) return i;
    i += length;
  }
  return std::nullopt;
}

std::string RepairUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    size_t maximal;
    size_t length = ValidSequenceLength(bytes, i, &maximal);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i += maximal;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace ilf::lm
