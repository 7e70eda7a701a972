// Added tokens: special and user-added tokens that are split out of the text before
// pre-tokenization and are never BPE-merged (Hugging Face's AddedVocabulary).
//
// Matching is leftmost-longest over all added tokens: at the first position where any token
// matches, the longest one wins (so "<|im_start|>" is not cut by a shorter token that is its
// prefix). Immutable after construction and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ilf::lm {

// The largest token id a tokenizer file may use (about 4M, 16x the largest vocabulary in use).
// Tables are indexed by id, so a bound keeps a crafted id from costing gigabytes, and id + 1
// (the vocabulary size) from overflowing int32.
inline constexpr int64_t kMaxTokenId = (int64_t{1} << 22) - 1;

struct AddedToken {
  int32_t id = -1;           // its token id
  std::string content;       // the exact text it matches, e.g. "<|im_start|>"
  bool special = false;      // a control token (eos, pad, chat markers); see Encode(allow_special)
  bool lstrip = false;       // a match also swallows the whitespace on its left
  bool rstrip = false;       // a match also swallows the whitespace on its right
  bool single_word = false;  // matches only when not glued to a letter, digit or '_' on either side
};

// A piece of the input: an added token (added_id >= 0) or text for the pre-tokenizer.
struct TextSegment {
  std::string_view text;
  int32_t added_id = -1;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // Tokens with empty content are ignored.
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  // Splits `text` into segments in order; their texts cover `text` except whitespace swallowed by
  // lstrip/rstrip tokens. With `include_special` false, special tokens are not matched (their text
  // is tokenized like any other) while non-special added tokens still are, as Hugging Face's
  // split_special_tokens does.
  void Split(std::string_view text, bool include_special, std::vector<TextSegment>* out) const;

  // The added token with this id, or nullptr.
  const AddedToken* Find(int32_t id) const;
  // The added token whose content is exactly `content`, or nullptr.
  const AddedToken* FindContent(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;           // id -> index in tokens_
  std::unordered_map<std::string, size_t> by_content_;  // content -> index in tokens_
  std::vector<std::vector<size_t>> by_first_byte_ =     // byte -> indices, longest first
      std::vector<std::vector<size_t>>(256);
};

}  // namespace ilf::lm
