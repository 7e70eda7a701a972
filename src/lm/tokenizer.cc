#include "src/lm/tokenizer.h"

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/lm/tokenizer_bytes.h"

namespace ilf::lm {

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool allow_special) const {
  if (auto bad = FindInvalidUtf8(text)) {
    throw Error(
        fmt::format("text to tokenize is not valid UTF-8 at byte {} (0x{:02X}) of {}; hint: "
                    "decode the input as UTF-8 first",
                    *bad, static_cast<uint8_t>(text[*bad]), text.size()));
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<TextSegment> segments;
  added_.Split(text, allow_special, &segments);
  std::vector<std::string_view> words, next_words;
  for (const TextSegment& segment : segments) {
    if (segment.added_id >= 0) {
      ids.push_back(segment.added_id);
      continue;
    }
    std::string normalized;
    std::string_view piece = segment.text;
    if (nfc_) {
      normalized = NormalizeNfc(piece);
      piece = normalized;
    }
    words.assign(1, piece);
    for (const Pretokenizer& pretokenizer : pretokenizers_) {
      next_words.clear();
      for (std::string_view word : words) pretokenizer.Split(word, &next_words);
      words.swap(next_words);
    }
    for (std::string_view word : words) bpe_.EncodeWord(word, &ids);
  }
  return ids;
}

void Tokenizer::AppendTokenBytes(int32_t id, size_t position, bool skip_special,
                                 std::string* out) const {
  if (const AddedToken* added = added_.Find(id)) {
    if (skip_special && added->special) return;
    // Hugging Face's byte-level decoder maps an added token's characters back to bytes when all of
    // them are byte spellings, and keeps its text otherwise.
    *out += VocabTokenToBytes(added->content).value_or(added->content);
    return;
  }
  if (!bpe_.Contains(id)) {
    throw Error(
        fmt::format("cannot decode token id {} (position {}): not a token of the tokenizer "
                    "in '{}' (ids 0..{}, {} added); hint: is the model's vocabulary larger "
                    "than its tokenizer's, or were the ids made by another tokenizer?",
                    id, position, dir_, vocab_size_ - 1, added_.tokens().size()));
  }
  *out += bpe_.TokenBytes(id);
}

std::string Tokenizer::DecodeBytes(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string bytes;
  for (size_t i = 0; i < ids.size(); ++i) AppendTokenBytes(ids[i], i, skip_special, &bytes);
  return bytes;
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids, bool skip_special) const {
  return RepairUtf8(DecodeBytes(ids, skip_special));
}

int32_t Tokenizer::eos_id() const {
  if (!eos_id_) {
    throw Error("the tokenizer in '" + dir_ +
                "' names no end-of-text token; hint: set eos_token in "
                "tokenizer_config.json or eos_token_id in config.json");
  }
  return *eos_id_;
}

std::optional<int32_t> Tokenizer::TokenId(std::string_view token) const {
  if (const AddedToken* added = added_.FindContent(token)) return added->id;
  return bpe_.TokenId(token);
}

bool Tokenizer::IsSpecial(int32_t id) const {
  const AddedToken* added = added_.Find(id);
  return added != nullptr && added->special;
}

std::string Tokenizer::ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                         bool add_generation_prompt) const {
  if (!chat_template_) throw Error(chat_template_error_);
  return chat_template_->Apply(messages, add_generation_prompt);
}

}  // namespace ilf::lm
