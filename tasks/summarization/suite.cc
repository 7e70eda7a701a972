#include "tasks/summarization/suite.h"

#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "src/core/error.h"

namespace ilf::tasks::summarization {
namespace {

constexpr size_t kMaxRefinements = 26;

// A string field, or "" when absent or null.
std::string OptionalString(const JsonlRecord& record, const std::string& key) {
  return record.Has(key) ? record.String(key) : "";
}

const std::string& ItemField(const SummaryItem& item, const std::string& field) {
  if (field == "feedback") return item.feedback;
  if (field == "generated_summary_for_feedback") return item.initial_summary;
  if (field == "ideal_human_summary") return item.reference;
  if (field == "title") return item.title;
  if (field == "post") return item.post;
  ILF_CHECK(false, "unknown summary field " + field);
  return item.post;
}

}  // namespace

std::string RefinementLetter(size_t index) {
  ILF_CHECK(index < kMaxRefinements, "refinement letters end at Z");
  return std::string(1, static_cast<char>('A' + index));
}

std::string RefinementField(size_t index) {
  return "generated_refinement_" + RefinementLetter(index);
}

SummaryItem ParseSummaryItem(const JsonlRecord& record) {
  SummaryItem item;
  item.where = record.Where();
  const Json& id = record.Field("id");
  if (id.is_string()) {
    item.id = id.get<std::string>();
  } else if (id.is_number_integer()) {
    item.id = std::to_string(id.get<int64_t>());
  } else {
    throw Error(fmt::format("{}: field 'id' is {}, expected a string or an integer", item.where,
                            id.dump()));
  }
  item.title = record.String("title");
  item.post = record.String("post");
  item.subreddit = OptionalString(record, "subreddit");
  item.initial_summary = OptionalString(record, "generated_summary_for_feedback");
  item.feedback = OptionalString(record, "feedback");
  item.reference = OptionalString(record, "ideal_human_summary");
  item.split = OptionalString(record, "split");
  size_t count = 0;
  while (count < kMaxRefinements && record.Has(RefinementField(count))) {
    item.refinements.push_back(record.String(RefinementField(count)));
    ++count;
  }
  for (size_t later = count + 1; later < kMaxRefinements; ++later) {
    if (record.Has(RefinementField(later))) {
      throw Error(
          fmt::format("{}: '{}' is present but '{}' is missing (refinements are lettered "
                      "consecutively from A)",
                      item.where, RefinementField(later), RefinementField(count)));
    }
  }
  return item;
}

std::vector<SummaryItem> LoadSummaryItems(const std::string& path) {
  std::vector<SummaryItem> items;
  std::map<std::string, std::string> seen;  // id -> where
  for (const JsonlRecord& record : ReadJsonl(path)) {
    SummaryItem item = ParseSummaryItem(record);
    auto [it, inserted] = seen.emplace(item.id, item.where);
    if (!inserted) {
      throw Error(fmt::format("{}: id '{}' already used at {}", item.where, item.id, it->second));
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) throw Error(path + ": no summarization items (expected JSONL records)");
  return items;
}

std::vector<SummaryItem> ItemsOfSplit(const std::vector<SummaryItem>& items,
                                      const std::string& split) {
  if (split.empty() || split == "all") return items;
  std::vector<SummaryItem> out;
  std::set<std::string> known;
  for (const SummaryItem& item : items) {
    known.insert(item.split.empty() ? "(none)" : item.split);
    if (item.split == split) out.push_back(item);
  }
  if (out.empty()) {
    throw Error(fmt::format("no item has split '{}'; the items' splits: {}", split,
                            fmt::join(known, ", ")));
  }
  return out;
}

void RequireField(const std::vector<SummaryItem>& items, const std::string& field) {
  for (const SummaryItem& item : items) {
    if (ItemField(item, field).empty()) {
      throw Error(fmt::format("{}: item '{}' has no '{}', which this step needs", item.where,
                              item.id, field));
    }
  }
}

}  // namespace ilf::tasks::summarization
