// RunFeedback: exactly what `ilf feedback` does, so that stage 3 of a round calls the same
// function.
//
//   1. Load the suite (NAME[:SPLIT] or MANIFEST[:SPLIT]).
//   2. Read the items: with `results_path`, the ilf.results records of `ilf eval` (each carries the
//      program it ran); tasks with a passing sample are skipped, and of each other task up to
//      `per_task` incorrect samples are chosen, seeded (SelectIncorrect). Without it, a human file
//      source gives its own records as the items.
//   3. Run the source (human:FILE, model:DIR or execution) on the items.
//   4. Write the records to `out_path` atomically, with the ilf.feedback header (config hash of the
//      options). Nothing appears under `out_path` unless every record was written.
// Bad input (an unknown task id, a results file of another suite, a broken line) throws ilf::Error
// naming file:line before anything is written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "feedback/feedback.h"
#include "src/core/jsonl.h"
#include "src/lm/language_model.h"
#include "tasks/suite.h"

namespace ilf::feedback {

struct FeedbackOptions;

// Makes the model:DIR source (model_source.h's MakeModelSource, which needs LibTorch).
using ModelSourceFactory = std::unique_ptr<FeedbackSource> (*)(const std::string& model_dir,
                                                               const tasks::Suite& suite,
                                                               const FeedbackOptions& options);

struct FeedbackOptions {
  std::string source;        // "human:FILE", "model:DIR" or "execution"
  std::string suite;         // NAME[:SPLIT] or MANIFEST.json[:SPLIT]
  std::string results_path;  // results.jsonl of `ilf eval` ("" = the human file's own records)
  int64_t per_task = 1;      // incorrect programs per task at most
  uint64_t seed = 0;         // seeds the choice of programs and the model's sampling
  std::string out_path;      // FEEDBACK.jsonl to write
  std::string config_hash;   // its header's config hash; "" = a hash of these options (a round
                             // passes its run's, which does not name the run directory)
  // Model source only.
  int64_t shots = 2;             // 0, 1 or 2 human-annotated examples of other tasks in the prompt
  std::string shots_path;        // human feedback file the shots come from ("" = the paper's
                                 // ilf-code/surge_annotations.jsonl under ILF_DATA_DIR)
  bool show_tests = true;        // the prompt shows the failing tests with their messages
  double temperature = 0.0;      // 0 = greedy
  int64_t max_new_tokens = 256;  // feedback length bound, tokens
  int64_t batch_rows = 16;       // prompts decoded together
  bool chat = true;              // use the model's chat template when it has one
  std::string device = "auto";   // lm::LoadOptions
  std::string dtype = "auto";
  int threads = 0;
  std::string tokenizer_dir;  // "" = the model directory; none for an endpoint (chat needs none)
  lm::RemoteOptions remote;   // an http(s):// model's name, concurrency, retries, journal (""
                              // = DefaultRequestJournal(out_path), removed once written)
  ModelSourceFactory model_source = nullptr;  // makes the source; nullptr: model:DIR is an error
  // Execution source only.
  int64_t max_feedback_tokens = 160;  // budget of an execution note, in whitespace-separated words
  int sandbox_workers = 0;            // 0 = one per core
  bool allow_weaker_sandbox = false;
};

// What was written, for the command's summary line.
struct FeedbackStats {
  size_t items = 0;                  // programs given to the source
  size_t written = 0;                // records written (== items)
  size_t errors = 0;                 // records with `error` set
  size_t tasks_skipped_passing = 0;  // tasks left out because a sample passed
};

FeedbackStats RunFeedback(const FeedbackOptions& options);

// Where a remote model source journals its answers unless told: OUT.requests.jsonl.
std::string DefaultRequestJournal(const std::string& out_path);

// The items RunFeedback takes from an ilf.results file: records of tasks in `selection`'s split,
// chosen by SelectIncorrect. Unknown task ids, unknown verdicts and records without `program`
// throw ilf::Error naming file:line. `tasks_skipped_passing` as in SelectIncorrect.
std::vector<FeedbackItem> ItemsFromResults(const std::string& path,
                                           const tasks::SuiteSelection& selection, int64_t per_task,
                                           uint64_t seed, size_t* tasks_skipped_passing = nullptr);

// Which results records become items (pure): records are grouped by task; a task with any PASS is
// left out; of the rest, records whose verdict is neither PASS nor SANDBOX_ERROR are candidates,
// and up to `per_task` of them are chosen by a seeded hash of (seed, task_id, sample_id), so the
// choice for a task does not depend on the other tasks or on file order. Returns indices into
// `verdicts` in their original order. `task_ids[i]`, `sample_ids[i]`, `verdicts[i]` describe record
// i.
std::vector<size_t> SelectIncorrect(const std::vector<std::string>& task_ids,
                                    const std::vector<std::string>& sample_ids,
                                    const std::vector<std::string>& verdicts, int64_t per_task,
                                    uint64_t seed, size_t* tasks_skipped_passing = nullptr);

}  // namespace ilf::feedback
