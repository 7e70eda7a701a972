// Byte-level BPE tokenizer of Hugging Face checkpoints (GPT-2, CodeGen, Qwen2 / Qwen2.5, ...),
// giving exactly the ids of Hugging Face's tokenizer with add_special_tokens=False. Pure C++ (no
// LibTorch).
//
// Theory of operation. Encode(text):
//   1. added tokens (tokenizer_added.h) are split out, leftmost-longest, and map to their ids;
//   2. each remaining piece is NFC-normalized when the model uses it (Qwen2), then cut into
//      words by the model's pre-tokenizer regex (pretokenize.h);
//   3. each word's raw bytes are merged by BPE (tokenizer_bpe.h).
// Decode(ids) concatenates each token's raw bytes (added tokens: their text) and repairs invalid
// UTF-8 (a sequence cut mid-character) to U+FFFD exactly as Hugging Face does; DecodeBytes keeps
// the bytes.
//
// Loading a directory (DIR may hold only tokenizer files):
//   - tokenizer.json when present defines everything (BPE model, pre-tokenizer regexes, NFC, added
//     tokens); otherwise vocab.json + merges.txt, with the pre-tokenizer chosen by family:
//     tokenizer_config.json "tokenizer_class" (GPT2Tokenizer/CodeGenTokenizer -> GPT-2,
//     Qwen2Tokenizer -> Qwen2), else config.json "model_type" (gpt2, codegen, gptj, gpt_neo ->
//     GPT-2; qwen2, qwen2_moe, qwen3 -> Qwen2); anything else is an error with a hint.
//   - tokenizer_config.json "added_tokens_decoder" adds added tokens; "eos_token", "pad_token",
//     "bos_token", "unk_token" name special tokens (defaults of the family's HF class when absent:
//     GPT-2 eos/bos/unk "<|endoftext|>"; Qwen2 eos/pad/unk "<|endoftext|>"); "chat_template" gives
//     the chat format (chat_template.h).
//   - generation_config.json / config.json "eos_token_id" add stop ids (stop_ids()).
//
// Thread safety: a loaded Tokenizer is immutable apart from an internal, mutex-protected word
// cache; all const methods may be called concurrently. Movable, not copyable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/lm/chat_template.h"
#include "src/lm/pretokenize.h"
#include "src/lm/tokenizer_added.h"
#include "src/lm/tokenizer_bpe.h"

namespace ilf::lm {

class Tokenizer {
 public:
  // Loads the tokenizer files of `dir`. Throws ilf::Error naming the file (and line, token or id)
  // for a missing or malformed file, with a hint.
  static Tokenizer Load(const std::string& dir);

  Tokenizer(Tokenizer&&) noexcept = default;
  Tokenizer& operator=(Tokenizer&&) noexcept = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Token ids of `text` (UTF-8), without BOS/EOS. With `allow_special` false, special tokens in the
  // text are tokenized as plain text (for untrusted text); non-special added tokens are still
  // matched, as in Hugging Face. Throws ilf::Error when `text` is not valid UTF-8 (naming the
  // byte).
  std::vector<int32_t> Encode(std::string_view text, bool allow_special = true) const;

  // The text of `ids`; invalid UTF-8 (e.g. a character cut by a truncation) becomes U+FFFD. With
  // `skip_special`, special added tokens (eos, chat markers) are left out, like Hugging Face's
  // skip_special_tokens. Throws ilf::Error naming the first id that is neither a vocabulary nor an
  // added token, and its position.
  std::string Decode(const std::vector<int32_t>& ids, bool skip_special = false) const;
  // The raw bytes of `ids`, possibly ending in an incomplete UTF-8 character (for streaming).
  std::string DecodeBytes(const std::vector<int32_t>& ids, bool skip_special = false) const;

  // The end-of-text id (eos_token). Throws ilf::Error when the tokenizer names none.
  int32_t eos_id() const;
  // Ids that end generation: eos_id() plus any eos_token_id of generation_config.json/config.json.
  const std::vector<int32_t>& stop_ids() const { return stop_ids_; }
  std::optional<int32_t> pad_id() const { return pad_id_; }
  std::optional<int32_t> bos_id() const { return bos_id_; }
  // One past the largest token id (vocabulary and added tokens); Hugging Face's len(tokenizer).
  // A model's embedding may have more rows (Qwen2.5: 151,936 rows for 151,665 ids).
  int vocab_size() const { return vocab_size_; }
  // Id of a token by its text: an added token's content ("<|im_end|>") or a vocabulary token's
  // byte-level spelling ("Ġworld").
  std::optional<int32_t> TokenId(std::string_view token) const;
  // Whether Decode accepts `id`: a vocabulary or added token. A model's padded embedding rows
  // (ids in [vocab_size(), model vocab)) are not; sampling from an untrained model can produce them.
  bool HasId(int32_t id) const { return bpe_.Contains(id) || added_.Find(id) != nullptr; }
  // Whether `id` is a special added token (eos, pad, chat markers).
  bool IsSpecial(int32_t id) const;
  const std::vector<AddedToken>& added_tokens() const { return added_.tokens(); }

  // How the pre-tokenizer was chosen: "tokenizer.json", "gpt2" or "qwen2".
  const std::string& family() const { return family_; }
  bool uses_nfc() const { return nfc_; }
  const std::string& dir() const { return dir_; }

  // The prompt text for `messages` in the model's chat format (chat_template.h). Throws ilf::Error
  // when the model has no chat template (a base model) or one ilf does not know.
  std::string ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                bool add_generation_prompt) const;

 private:
  friend class TokenizerLoader;
  Tokenizer(BpeModel bpe, std::vector<Pretokenizer> pretokenizers)
      : bpe_(std::move(bpe)), pretokenizers_(std::move(pretokenizers)) {}
  void AppendTokenBytes(int32_t id, size_t position, bool skip_special, std::string* out) const;

  BpeModel bpe_;
  std::vector<Pretokenizer> pretokenizers_;  // applied in order, each to the pieces of the last
  AddedTokenMatcher added_;
  bool nfc_ = false;
  std::string family_;
  std::string dir_;
  std::optional<int32_t> eos_id_, pad_id_, bos_id_;
  std::vector<int32_t> stop_ids_;
  int vocab_size_ = 0;
  std::optional<ChatTemplate> chat_template_;
  std::string chat_template_error_;  // why there is none, for ApplyChatTemplate's error
};

}  // namespace ilf::lm
