#include "runner/round/summarization_adapter.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "runner/round/selection.h"
#include "src/core/error.h"
#include "tasks/summarization/judge.h"
#include "tasks/summarization/prompts.h"
#include "tasks/summarization/rouge.h"
#include "tasks/summarization/select.h"

namespace ilf::round {
namespace sum = tasks::summarization;
namespace {

constexpr const char* kScored = "SCORED";             // scored against the reference
constexpr const char* kNoReference = "NO_REFERENCE";  // the item has no reference summary

void CheckRule(const std::string& rule) {
  if (sum::ParseSelector(rule) || rule == "random" || rule == "shortest" || rule == "most_likely")
    return;
  throw Error("config 'selection': '" + rule +
              "' is not a summary selector (known: instructrm, embedding, random, shortest, "
              "most_likely)");
}

// Index of the best non-empty refinement by `scores` (ties: the later, as sum::SelectBest); none
// when every refinement is empty (a summary cut to nothing teaches nothing).
std::optional<size_t> BestNonEmpty(const std::vector<double>& scores,
                                   const std::vector<const Output*>& refinements) {
  std::optional<size_t> best;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (refinements[i]->completion.empty()) continue;
    if (!best || scores[i] >= scores[*best]) best = i;
  }
  return best;
}

// A file's items, or, for a directory (SLF5K as published: train.jsonl, development.jsonl, ...),
// the items of each *.jsonl / *.jsonl.gz in name order, an item without a `split` taking its
// file's name as its split.
std::vector<sum::SummaryItem> LoadSuite(const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(path)) return sum::LoadSummaryItems(path);
  std::vector<std::pair<std::string, std::string>> files;  // (path, split)
  for (const fs::directory_entry& entry : fs::directory_iterator(path)) {
    std::string name = entry.path().filename().string();
    for (const std::string ext : {".jsonl", ".jsonl.gz"}) {
      if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
        files.push_back({entry.path().string(), name.substr(0, name.size() - ext.size())});
    }
  }
  if (files.empty()) throw Error(path + ": a directory without *.jsonl files of SLF5K items");
  std::sort(files.begin(), files.end());
  std::vector<sum::SummaryItem> items;
  for (const auto& [file, split] : files) {
    for (sum::SummaryItem& item : sum::LoadSummaryItems(file)) {
      if (item.split.empty()) item.split = split;
      items.push_back(std::move(item));
    }
  }
  return items;
}

}  // namespace

SummarizationAdapter::SummarizationAdapter(SummarizationAdapterOptions options)
    : options_(std::move(options)) {
  if (!options_.selection.empty()) CheckRule(options_.selection);
  if (!options_.feedback_source.empty()) RequireFeedbackSource(options_.feedback_source);
  if (options_.suite.empty())
    throw Error("config 'suite': a summarization round needs an SLF5K-style JSONL file");
  items_ = LoadSuite(options_.suite);
  for (size_t i = 0; i < items_.size(); ++i) {
    auto [it, added] = index_.emplace(items_[i].id, i);
    if (!added) {
      throw Error(items_[i].where + ": id '" + items_[i].id + "' is also the id of " +
                  items_[it->second].where);
    }
  }
}

const sum::SummaryItem& SummarizationAdapter::ItemOf(const std::string& task_id) const {
  auto it = index_.find(task_id);
  if (it == index_.end())
    throw Error("task_id '" + task_id + "' is not an item of " + options_.suite);
  return items_[it->second];
}

std::vector<std::string> SummarizationAdapter::TaskIds(const std::string& split,
                                                       int64_t limit) const {
  std::vector<std::string> ids;
  for (const sum::SummaryItem& item : sum::ItemsOfSplit(items_, split)) {
    if (limit > 0 && static_cast<int64_t>(ids.size()) >= limit) break;
    ids.push_back(item.id);
  }
  return ids;
}

std::string SummarizationAdapter::InitialPrompt(const std::string& task_id) const {
  const sum::SummaryItem& item = ItemOf(task_id);
  return sum::InitialSummaryPrompt(item.title, item.post);
}

std::string SummarizationAdapter::RefinementPrompt(const std::string& task_id,
                                                   const std::string& old_output,
                                                   const std::string& feedback) const {
  const sum::SummaryItem& item = ItemOf(task_id);
  return sum::RefinementPrompt(item.title, item.post, old_output, feedback);
}

std::string SummarizationAdapter::PostProcess(const std::string& text) const {
  return sum::PostProcessSummary(text);
}

bool SummarizationAdapter::OutputEnds(const std::string& text) const {
  return sum::SummaryComplete(text);
}

std::vector<Check> SummarizationAdapter::CheckOutputs(const std::vector<Output>& outputs) {
  std::vector<Check> checks;
  checks.reserve(outputs.size());
  for (const Output& output : outputs) {
    const sum::SummaryItem& item = ItemOf(output.task_id);
    Check check;
    check.task_id = output.task_id;
    check.sample_id = output.sample_id;
    check.passed = false;  // every summary can take feedback
    if (item.reference.empty()) {
      check.verdict = kNoReference;
      check.detail = {{"detail", "the item has no ideal_human_summary"}};
    } else {
      sum::RougeScore rouge = sum::RougeL(item.reference, output.completion, true);
      check.verdict = kScored;
      check.score = rouge.fmeasure;
      check.detail = {
          {"rouge_l",
           {{"precision", rouge.precision},
            {"recall", rouge.recall},
            {"fmeasure", rouge.fmeasure}}},
          {"detail", fmt::format("ROUGE-L F {:.3f} against the reference", rouge.fmeasure)}};
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

std::vector<Selection> SummarizationAdapter::Select(const std::vector<Output>& refinements,
                                                    const std::vector<Check>& checks,
                                                    const SelectRequest& request) {
  ILF_CHECK(refinements.size() == checks.size());
  CheckRule(request.rule);
  std::map<std::string, const FeedbackItem*> feedback;
  for (const FeedbackItem& item : request.feedback) feedback[item.feedback_id] = &item;
  // Refinements by feedback item, items in order of first appearance.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Output*>> of_item;
  for (const Output& r : refinements) {
    if (!feedback.count(r.feedback_id)) {
      throw Error("refinement '" + r.sample_id + "' of task '" + r.task_id +
                  "' names feedback_id '" + r.feedback_id + "', which the feedback file lacks");
    }
    if (!of_item.count(r.feedback_id)) order.push_back(r.feedback_id);
    of_item[r.feedback_id].push_back(&r);
  }

  // The chosen refinement of each item, with the score that compares items of one task.
  struct Choice {
    const Output* refinement;
    double score;
  };
  std::vector<std::pair<std::string, Choice>> choices;  // (task id, choice), in item order
  std::optional<sum::Selector> selector = sum::ParseSelector(request.rule);
  if (selector) {
    std::vector<sum::SummaryItem> items;
    for (const std::string& id : order) {
      const FeedbackItem& fb = *feedback[id];
      sum::SummaryItem item = ItemOf(fb.task_id);
      item.initial_summary = fb.program;
      item.feedback = fb.feedback;
      item.refinements.clear();
      for (const Output* r : of_item[id]) item.refinements.push_back(r->completion);
      item.where = "feedback item " + id;
      items.push_back(std::move(item));
    }
    if (!items.empty()) {
      if (!request.scorer) throw Error("selection '" + request.rule + "' needs a scorer model");
      ModelRef scorer = request.scorer();
      std::vector<sum::Selection> scored =
          sum::SelectRefinements(*selector, *scorer.model, *scorer.tokenizer, items);
      for (size_t i = 0; i < order.size(); ++i) {
        const std::vector<const Output*>& list = of_item[order[i]];
        std::optional<size_t> best = BestNonEmpty(scored[i].scores, list);
        if (best) choices.push_back({list[*best]->task_id, {list[*best], scored[i].scores[*best]}});
      }
    }
  } else {
    for (const std::string& id : order) {
      std::vector<const Output*> non_empty;
      std::vector<Candidate> candidates;
      for (const Output* r : of_item[id]) {
        if (r->completion.empty()) continue;
        non_empty.push_back(r);
        candidates.push_back({r->completion.size(), r->logprob});
      }
      std::optional<size_t> chosen =
          ChooseCandidate(candidates, request.rule, request.seed, feedback[id]->task_id);
      // Rule-based choices do not compare across items: a task keeps its first item's.
      if (chosen) choices.push_back({non_empty[*chosen]->task_id, {non_empty[*chosen], 0.0}});
    }
  }

  // Per task the highest-scoring item's choice (ties: the first item), tasks in item order.
  std::vector<std::string> tasks;
  std::map<std::string, Choice> best;
  for (const auto& [task_id, choice] : choices) {
    auto it = best.find(task_id);
    if (it == best.end()) {
      tasks.push_back(task_id);
      best.emplace(task_id, choice);
    } else if (choice.score > it->second.score) {
      it->second = choice;
    }
  }
  std::vector<Selection> selections;
  for (const std::string& task_id : tasks) {
    const Output& r = *best.at(task_id).refinement;
    // Generated summaries follow "TL;DR:" after a space; the cleaned text starts at its first
    // letter, so the target puts the space back.
    selections.push_back({task_id, r.sample_id, InitialPrompt(task_id), " " + r.completion});
  }
  return selections;
}

Json SummarizationAdapter::Evaluate(const std::vector<Output>& samples,
                                    const std::vector<Check>& checks, const EvalRequest& request) {
  ILF_CHECK(samples.size() == checks.size());
  std::set<std::string> tasks;
  double rouge_sum = 0;
  std::vector<sum::SummaryItem> judged_items;
  std::vector<std::string> candidates;
  for (size_t i = 0; i < samples.size(); ++i) {
    tasks.insert(samples[i].task_id);
    if (checks[i].verdict != kScored) continue;
    rouge_sum += checks[i].score;
    judged_items.push_back(ItemOf(samples[i].task_id));
    candidates.push_back(samples[i].completion);
  }
  const size_t scored = candidates.size();
  Json metrics = {
      {"tasks", tasks.size()}, {"samples", samples.size()},
      {"scored", scored},      {"rouge_l", scored ? Json(rouge_sum / scored) : Json(nullptr)},
      {"win_rate", nullptr},   {"headline", {"rouge_l", "win_rate"}}};
  if (scored == 0 || !request.judge) return metrics;
  ModelRef judge = request.judge();
  std::vector<double> preferences;
  for (const sum::Preference& p :
       sum::JudgePreferences(*judge.model, *judge.tokenizer, judged_items, candidates))
    preferences.push_back(p.preference);
  sum::WinRate rate = sum::AggregateWinRate(preferences);
  metrics["win_rate"] = rate.win_rate;
  metrics["mean_preference"] = rate.mean_preference;
  metrics["wins"] = rate.wins;
  metrics["ties"] = rate.ties;
  metrics["losses"] = rate.losses;
  return metrics;
}

}  // namespace ilf::round
