// The byte-level BPE model: vocabulary, merge ranks and the merge loop, with a per-word cache.
//
// Theory of operation. Each vocabulary entry is converted once to its raw bytes
// (tokenizer_bytes.h). A word (one pre-tokenizer piece, raw bytes) starts as one symbol per byte;
// the adjacent pair with the lowest merge rank is merged, leftmost first on ties, until no adjacent
// pair has a merge. This is Hugging Face tokenizers' algorithm (a min-heap of (rank, position), O(n
// log n) per word); merge ranks live in a hash map keyed by the pair of ids. Results are cached per
// word in a sharded, mutex-protected cache of bounded size, so Encode may run on many threads at
// once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ilf::lm {

class BpeModel {
 public:
  // One merge rule as written in merges.txt ("Ġ t") or tokenizer.json; `line` (1-based, 0 when
  // unknown) is quoted in errors.
  struct MergeRule {
    std::string left, right;
    int line = 0;
  };

  // Builds the model from `vocab` (a JSON object token -> id, byte-level spelling) and merge rules
  // in rank order. `vocab_where` / `merges_where` name their files in errors. Throws ilf::Error
  // when an id is negative or repeated, a merge names a token (or produces one) that is not in the
  // vocabulary, or one of the 256 single-byte tokens is missing. With `ignore_merges`, a word that
  // is itself a vocabulary token is emitted whole (tokenizer.json's "ignore_merges", used by
  // Llama-3).
  BpeModel(const nlohmann::json& vocab, const std::vector<MergeRule>& merges,
           const std::string& vocab_where, const std::string& merges_where, bool ignore_merges);

  BpeModel(BpeModel&&) noexcept;
  BpeModel& operator=(BpeModel&&) noexcept;
  ~BpeModel();
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Parses merges.txt text: an optional "#version" first line, then one "left right" pair per line.
  // Throws ilf::Error "PATH:LINE: ..." for a line that is not exactly two space-separated tokens.
  static std::vector<MergeRule> ParseMergesTxt(const std::string& text, const std::string& path);

  // Appends the ids of one word (raw bytes, non-empty). Thread-safe.
  void EncodeWord(std::string_view word, std::vector<int32_t>* ids) const;

  // Id of a vocabulary token by its vocabulary spelling ("Ġworld"), if present.
  std::optional<int32_t> TokenId(std::string_view spelling) const;
  // Whether `id` is a vocabulary id.
  bool Contains(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < present_.size() && present_[id];
  }
  // Raw bytes of vocabulary token `id`; requires Contains(id).
  const std::string& TokenBytes(int32_t id) const { return bytes_[id]; }
  // One past the largest vocabulary id.
  int32_t end_id() const { return static_cast<int32_t>(bytes_.size()); }
  size_t size() const { return by_spelling_.size(); }
  size_t merge_count() const { return merges_.size(); }

 private:
  struct Merge {
    int32_t rank;
    int32_t id;  // the merged token
  };
  static uint64_t PairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  const Merge* FindMerge(int32_t left, int32_t right) const {
    auto it = merges_.find(PairKey(left, right));
    return it == merges_.end() ? nullptr : &it->second;
  }
  void MergeWord(std::string_view word, std::vector<int32_t>* ids) const;

  std::unordered_map<std::string, int32_t> by_spelling_;  // vocabulary spelling -> id
  std::unordered_map<std::string, int32_t> by_bytes_;     // raw bytes -> id (for ignore_merges)
  std::vector<std::string> bytes_;                        // id -> raw bytes ("" for holes)
  std::vector<bool> present_;                             // id -> is a vocabulary id
  std::array<int32_t, 256> byte_ids_{};                   // byte -> id of its single-byte token
  std::unordered_map<uint64_t, Merge> merges_;            // (left id, right id) -> merge
  bool ignore_merges_ = false;

  struct Cache;
  std::unique_ptr<Cache> cache_;
};

}  // namespace ilf::lm
