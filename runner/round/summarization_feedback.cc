// SummarizationAdapter's feedback, written as feedback/'s ilf.feedback records: "file" takes each
// item's own feedback on its generated_summary_for_feedback; "model:DIR" asks a model for feedback
// on the round's own summaries. A summary the source cannot serve still gets a record, with
// `error` set and no feedback, so the refine stage skips it and the report shows why.
#include <fmt/format.h>

#include <map>
#include <set>

#include "feedback/feedback.h"
#include "feedback/run_feedback.h"
#include "runner/round/feedback_file.h"
#include "runner/round/generation.h"
#include "runner/round/summarization_adapter.h"
#include "src/core/error.h"
#include "src/core/hash.h"
#include "tasks/summarization/prompts.h"

namespace ilf::round {
namespace sum = tasks::summarization;
namespace {

constexpr const char* kGivenSample = "given";  // sample_id of an item's own initial summary

}  // namespace

std::vector<FeedbackItem> SummarizationAdapter::WriteFeedback(const FeedbackRequest& request) {
  const std::string model = "model:";
  if (request.source == "file") return WriteFileFeedback(request);
  if (request.source.rfind(model, 0) == 0)
    return WriteModelFeedback(request, request.source.substr(model.size()));
  RequireFeedbackSource(request.source);
  return {};
}

void RequireFeedbackSource(const std::string& source) {
  if (source == "file" || source.rfind("model:", 0) == 0) return;
  throw Error("config 'feedback.source': '" + source +
              "' is not a summary feedback source (known: file, model:DIR)");
}

std::vector<FeedbackItem> SummarizationAdapter::ReadFeedback(const std::string& path) const {
  return ReadFeedbackItems(path);
}

std::vector<FeedbackItem> SummarizationAdapter::WriteFileFeedback(const FeedbackRequest& request) {
  std::set<std::string> needing = TasksNeedingFeedback(request.checks_path);
  std::vector<feedback::FeedbackRecord> records;
  for (const std::string& task_id : needing) {
    const sum::SummaryItem& item = ItemOf(task_id);
    feedback::FeedbackRecord record;
    record.feedback_id = feedback::DefaultFeedbackId("human", task_id, kGivenSample);
    record.task_id = task_id;
    record.sample_id = kGivenSample;
    record.program = item.initial_summary;
    record.source = "human";
    record.annotator = "suite";
    record.provenance = {{"input", item.where}};
    if (item.initial_summary.empty()) {
      record.error = "the item has no generated_summary_for_feedback for its feedback to be about";
    } else if (item.feedback.empty()) {
      record.error = "the item has no feedback";
    } else {
      record.feedback = item.feedback;
    }
    records.push_back(std::move(record));
  }
  feedback::WriteFeedback(request.out_path, records, request.config_hash);
  return ReadFeedback(request.out_path);
}

std::vector<FeedbackItem> SummarizationAdapter::WriteModelFeedback(const FeedbackRequest& request,
                                                                   const std::string& model_dir) {
  // The summaries: samples and their checks, chosen as feedback/ chooses incorrect programs.
  std::map<std::string, std::string> completion;  // task id \0 sample id -> summary
  for (const JsonlRecord& record : ReadArtifact(request.samples_path, "ilf.samples", 1)) {
    Output output = Output::FromRecord(record);
    completion[output.task_id + '\0' + output.sample_id] = output.completion;
  }
  std::vector<std::string> task_ids, sample_ids, verdicts;
  for (const JsonlRecord& record : ReadArtifact(request.checks_path, "ilf.results", 1)) {
    Check check = Check::FromRecord(record);
    task_ids.push_back(check.task_id);
    sample_ids.push_back(check.sample_id);
    verdicts.push_back(check.passed ? "PASS" : check.verdict);
  }
  std::vector<feedback::FeedbackRecord> records;
  std::vector<std::string> prompts;
  std::vector<size_t> asked;  // records[asked[j]] gets the model's answer to prompts[j]
  for (size_t i :
       feedback::SelectIncorrect(task_ids, sample_ids, verdicts, request.per_task, request.seed)) {
    auto it = completion.find(task_ids[i] + '\0' + sample_ids[i]);
    if (it == completion.end()) {
      throw Error(request.checks_path + ": task '" + task_ids[i] + "' sample '" + sample_ids[i] +
                  "' is not in " + request.samples_path);
    }
    const sum::SummaryItem& item = ItemOf(task_ids[i]);
    feedback::FeedbackRecord record;
    record.feedback_id = feedback::DefaultFeedbackId("model", task_ids[i], sample_ids[i]);
    record.task_id = task_ids[i];
    record.sample_id = sample_ids[i];
    record.program = it->second;
    record.source = "model";
    record.annotator = model_dir;
    if (record.program.empty()) {
      record.error = "the summary is empty: there is nothing to give feedback on";
    } else {
      std::string prompt = sum::FeedbackPrompt(item.title, item.post, record.program);
      record.provenance = {{"prompt_hash", fmt::format("{:016x}", Fnv1a(prompt))},
                           {"seed", request.seed}};
      asked.push_back(records.size());
      prompts.push_back(std::move(prompt));
    }
    records.push_back(std::move(record));
  }
  if (!prompts.empty()) {
    lm::LoadOptions load = options_.load;
    load.remote = request.load.remote;
    TextModel model(model_dir, options_.tokenizer, load);
    lm::GenerateOptions options;  // greedy: the feedback on a summary is one answer
    options.max_new_tokens = options_.feedback_max_new_tokens;
    options.max_batch_rows = options_.batch_rows;
    options.seed = request.seed;
    // Feedback ends and is cleaned like a summary: its first line, unfinished sentence cut.
    for (const Generated& g : model.Generate(prompts, options, *this)) {
      feedback::FeedbackRecord& record = records[asked[g.prompt_index]];
      record.feedback = g.text;
      if (g.text.empty()) record.error = "the model's feedback was empty after clean-up";
    }
  }
  feedback::WriteFeedback(request.out_path, records, request.config_hash);
  return ReadFeedback(request.out_path);
}

}  // namespace ilf::round
