#include "src/lm/tokenizer_bpe.h"

#include <fmt/format.h>

#include <functional>
#include <mutex>
#include <queue>
#include <tuple>

#include "src/core/error.h"
#include "src/lm/tokenizer_added.h"
#include "src/lm/tokenizer_bytes.h"

namespace ilf::lm {
namespace {

constexpr size_t kCacheShards = 16;
constexpr size_t kCacheEntriesPerShard = 4096;  // bounded memory; full shards stop caching
constexpr size_t kCacheMaxWordBytes = 128;      // longer words are rare and not worth keeping

}  // namespace

struct BpeModel::Cache {
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>> words;
  };
  std::array<Shard, kCacheShards> shards;
};

BpeModel::BpeModel(const nlohmann::json& vocab, const std::vector<MergeRule>& merges,
                   const std::string& vocab_where, const std::string& merges_where,
                   bool ignore_merges)
    : ignore_merges_(ignore_merges), cache_(std::make_unique<Cache>()) {
  if (!vocab.is_object() || vocab.empty()) {
    throw Error(vocab_where + ": the vocabulary must be a non-empty JSON object token -> id, got " +
                std::string(vocab.type_name()));
  }
  by_spelling_.reserve(vocab.size());
  for (const auto& [spelling, value] : vocab.items()) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        value.get<int64_t>() > kMaxTokenId) {
      throw Error(fmt::format("{}: token '{}' has id {}, expected a non-negative 32-bit integer",
                              vocab_where, spelling, value.dump()));
    }
    auto id = static_cast<int32_t>(value.get<int64_t>());
    if (static_cast<size_t>(id) >= bytes_.size()) {
      bytes_.resize(id + 1);
      present_.resize(id + 1, false);
    }
    if (present_[id]) {
      throw Error(fmt::format("{}: id {} is used by two tokens ('{}' and another)", vocab_where, id,
                              spelling));
    }
    present_[id] = true;
    // A token that is not in byte-level spelling (rare; e.g. a hand-added entry) decodes to its
    // text.
    bytes_[id] = VocabTokenToBytes(spelling).value_or(spelling);
    by_spelling_.emplace(spelling, id);
    if (ignore_merges_) by_bytes_.emplace(bytes_[id], id);
  }
  for (int b = 0; b < 256; ++b) {
    auto it = by_spelling_.find(ByteToVocabChars(static_cast<uint8_t>(b)));
    if (it == by_spelling_.end()) {
      throw Error(
          fmt::format("{}: no token for byte 0x{:02X} (spelled '{}'); a byte-level BPE "
                      "vocabulary has all 256; hint: is this a SentencePiece tokenizer?",
                      vocab_where, b, ByteToVocabChars(static_cast<uint8_t>(b))));
    }
    byte_ids_[b] = it->second;
  }
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const MergeRule& rule = merges[rank];
    auto where = [&] {
      return rule.line > 0 ? fmt::format("{}:{}", merges_where, rule.line)
                           : fmt::format("{} (merge #{})", merges_where, rank + 1);
    };
    auto left = by_spelling_.find(rule.left);
    auto right = by_spelling_.find(rule.right);
    auto merged = by_spelling_.find(rule.left + rule.right);
    for (auto [it, name] : {std::pair{left, &rule.left}, std::pair{right, &rule.right},
                            std::pair{merged, static_cast<const std::string*>(nullptr)}}) {
      if (it != by_spelling_.end()) continue;
      std::string token = name ? *name : rule.left + rule.right;
      throw Error(
          fmt::format("{}: merge '{} {}' uses token '{}', which is not in {}; hint: the "
                      "merges and vocabulary files belong to different tokenizers?",
                      where(), rule.left, rule.right, token, vocab_where));
    }
    // Like Hugging Face, a repeated pair keeps the rank of its last occurrence.
    merges_[PairKey(left->second, right->second)] = {static_cast<int32_t>(rank), merged->second};
  }
}

BpeModel::BpeModel(BpeModel&&) noexcept = default;
BpeModel& BpeModel::operator=(BpeModel&&) noexcept = default;
BpeModel::~BpeModel() = default;

std::vector<BpeModel::MergeRule> BpeModel::ParseMergesTxt(const std::string& text,
                                                          const std::string& path) {
  std::vector<MergeRule> rules;
  size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
    if (line_number == 1 && line.substr(0, 8) == "#version") continue;
    size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string_view::npos) {
      throw Error(fmt::format("{}:{}: expected two tokens separated by one space, got '{}'", path,
                              line_number, line));
    }
    rules.push_back(
        {std::string(line.substr(0, space)), std::string(line.substr(space + 1)), line_number});
  }
  return rules;
}

std::optional<int32_t> BpeModel::TokenId(std::string_view spelling) const {
  auto it = by_spelling_.find(std::string(spelling));
  if (it == by_spelling_.end()) return std::nullopt;
  return it->second;
}

void BpeModel::EncodeWord(std::string_view word, std::vector<int32_t>* ids) const {
  if (word.size() == 1) {
    ids->push_back(byte_ids_[static_cast<uint8_t>(word[0])]);
    return;
  }
  if (ignore_merges_) {
    auto it = by_bytes_.find(std::string(word));
    if (it != by_bytes_.end()) {
      ids->push_back(it->second);
      return;
    }
  }
  if (word.size() > kCacheMaxWordBytes) {
    MergeWord(word, ids);
    return;
  }
  std::string key(word);
  Cache::Shard& shard = cache_->shards[std::hash<std::string>{}(key) % kCacheShards];
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.words.find(key);
    if (it != shard.words.end()) {
      ids->insert(ids->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  size_t first = ids->size();
  MergeWord(word, ids);
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.words.size() < kCacheEntriesPerShard) {
    shard.words.emplace(std::move(key), std::vector<int32_t>(ids->begin() + first, ids->end()));
  }
}

void BpeModel::MergeWord(std::string_view word, std::vector<int32_t>* ids) const {
  struct Symbol {
    int32_t id;    // -1 once merged into the symbol on its left
    int32_t prev;  // index of the previous live symbol, -1 at the start
    int32_t next;  // index of the next live symbol, -1 at the end
  };
  const auto n = static_cast<int32_t>(word.size());
  std::vector<Symbol> symbols(n);
  for (int32_t i = 0; i < n; ++i) {
    symbols[i] = {byte_ids_[static_cast<uint8_t>(word[i])], i - 1, i + 1 < n ? i + 1 : -1};
  }
  // (rank, left position, merged id): the lowest rank first, then the leftmost.
  using Candidate = std::tuple<int32_t, int32_t, int32_t>;
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  auto push = [&](int32_t left) {
    int32_t right = symbols[left].next;
    if (right < 0) return;
    if (const Merge* merge = FindMerge(symbols[left].id, symbols[right].id)) {
      heap.emplace(merge->rank, left, merge->id);
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    auto [rank, left, merged_id] = heap.top();
    heap.pop();
    Symbol& symbol = symbols[left];
    if (symbol.id < 0 || symbol.next < 0) continue;  // stale: merged away or now last
    const Merge* merge = FindMerge(symbol.id, symbols[symbol.next].id);
    if (merge == nullptr || merge->id != merged_id) continue;  // stale: the pair changed
    int32_t right = symbol.next;
    symbol.id = merged_id;
    symbol.next = symbols[right].next;
    symbols[right].id = -1;
    if (symbol.next >= 0) symbols[symbol.next].prev = left;
    if (symbol.prev >= 0) push(symbol.prev);
    push(left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) ids->push_back(symbols[i].id);
}

}  // namespace ilf::lm
