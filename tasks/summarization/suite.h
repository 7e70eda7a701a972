// Summarization items: SLF5K records (Scheurer et al. 2023), read as they are.
//
// Theory of operation: a summarization suite is a JSONL file, one Reddit post a line, with SLF5K's
// fields, so a user's copy of SLF5K (JeremyAlain/SLF5K) loads without conversion:
//   id, subreddit, title, post                the post (id may be a string or an integer)
//   generated_summary_for_feedback            the initial summary the feedback is about
//   feedback                                  written feedback on that summary
//   ideal_human_summary                       the reference summary
//   split                                     optional: train, development, validation, test, ...
//   generated_refinement_A, _B, ...           optional: refinements (ilf score-refinements input)
// Only id, title and post are required; other SLF5K fields (time_spent_in_seconds, ...) are kept in
// the record but not interpreted. A field present with the wrong type is an ilf::Error naming
// file:line and the field.
#pragma once

#include <string>
#include <vector>

#include "src/core/jsonl.h"

namespace ilf::tasks::summarization {

struct SummaryItem {
  std::string id;                        // SLF5K `id` (an integer id is kept as its decimal text)
  std::string subreddit;                 // "" when absent
  std::string title;                     // post title
  std::string post;                      // post text
  std::string initial_summary;           // `generated_summary_for_feedback`; "" when absent
  std::string feedback;                  // "" when absent
  std::string reference;                 // `ideal_human_summary`; "" when absent
  std::string split;                     // "" when absent
  std::vector<std::string> refinements;  // generated_refinement_A, _B, ... in letter order
  std::string where;                     // "file:line" of the record, for error messages
};

// The letter of refinement `index` (0 -> "A"); refinements are lettered A..Z.
std::string RefinementLetter(size_t index);
// "generated_refinement_A" for index 0.
std::string RefinementField(size_t index);

// One item from a JSONL record. Refinement letters must be consecutive from A (A, B, D is an
// error naming the missing letter).
SummaryItem ParseSummaryItem(const JsonlRecord& record);

// Every item of a JSONL file (".gz" decompressed). Duplicate ids are an error naming both lines.
std::vector<SummaryItem> LoadSummaryItems(const std::string& path);

// The items whose `split` is `split` ("" or "all": every item). An unknown split is an ilf::Error
// listing the splits the items have.
std::vector<SummaryItem> ItemsOfSplit(const std::vector<SummaryItem>& items,
                                      const std::string& split);

// The fields a stage needs, checked up front: throws ilf::Error naming the first item (file:line)
// whose `field` ("feedback", "generated_summary_for_feedback", "ideal_human_summary") is empty.
void RequireField(const std::vector<SummaryItem>& items, const std::string& field);

}  // namespace ilf::tasks::summarization
