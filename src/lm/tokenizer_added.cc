#include "src/lm/tokenizer_added.h"

#include <algorithm>
#include <cctype>

namespace ilf::lm {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool IsWordByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || u >= 0x80;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) {
  for (AddedToken& token : tokens) {
    if (token.content.empty()) continue;
    size_t index = tokens_.size();
    by_id_[token.id] = index;
    by_content_[token.content] = index;
    by_first_byte_[static_cast<unsigned char>(token.content[0])].push_back(index);
    tokens_.push_back(std::move(token));
  }
  for (auto& candidates : by_first_byte_) {
    std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
  }
}

void AddedTokenMatcher::Split(std::string_view text, bool include_special,
                              std::vector<TextSegment>* out) const {
  size_t done = 0;  // text before it is already in `out`
  size_t i = 0;
  while (i < text.size()) {
    const AddedToken* match = nullptr;
    for (size_t index : by_first_byte_[static_cast<unsigned char>(text[i])]) {
      const AddedToken& token = tokens_[index];
      if (token.special && !include_special) continue;
      if (text.compare(i, token.content.size(), token.content) != 0) continue;
      size_t end = i + token.content.size();
      if (token.single_word &&
          ((i > 0 && IsWordByte(text[i - 1])) || (end < text.size() && IsWordByte(text[end])))) {
        continue;
      }
      match = &token;
      break;
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    size_t begin = i, end = i + match->content.size();
    if (match->lstrip) {
      while (begin > done && IsSpace(text[begin - 1])) --begin;
    }
    if (match->rstrip) {
      while (end < text.size() && IsSpace(text[end])) ++end;
    }
    if (begin > done) out->push_back({text.substr(done, begin - done), -1});
    out->push_back({text.substr(begin, end - begin), match->id});
    done = i = end;
  }
  if (done < text.size()) out->push_back({text.substr(done), -1});
}

const AddedToken* AddedTokenMatcher::Find(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedTokenMatcher::FindContent(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace ilf::lm
