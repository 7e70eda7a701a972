// Evaluating samples on a suite: samples file → sandbox executions → per-sample results → pass@k.
//
// Samples use the human-eval / EvalPlus format: one JSON object per line with `task_id` and either
// `completion` (text that continues the task's prompt) or `solution` (a whole program); `sample_id`
// is optional (default: the sample's index within its task). How the program is formed:
//   kAuto: the text itself if it defines the entry point at top level, else prompt + text;
//   kCompletion: the text alone;  kPromptPlusCompletion: the suite's prompt + text (human-eval).
// With extract_code, text wrapped in Markdown fences or the MBPP prompt's [BEGIN]…[DONE] markers is
// unwrapped first (src/code/extract.h); plain code is left as it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"
#include "src/core/jsonl.h"
#include "tasks/pass_at_k.h"
#include "tasks/suite.h"

namespace ilf::tasks {

enum class ProgramMode { kAuto, kCompletion, kPromptPlusCompletion };

struct EvalOptions {
  std::vector<int64_t> ks = {1, 10, 100};       // pass@k to report
  std::string field;                            // field with the program text; "" = solution, else completion
  ProgramMode program_mode = ProgramMode::kAuto;
  bool extract_code = true;                     // take the program out of Markdown fences / [BEGIN]…[DONE]
  std::optional<int64_t> time_limit_ms;         // overrides the suite's wall/CPU limit per sample
  std::optional<int64_t> memory_limit_mib;      // overrides the suite's memory limit
  bool exclude_sandbox_errors = false;          // leave SANDBOX_ERROR samples out of pass@k
                                                // (default: they count as failures, so an
                                                // error can never raise a pass@k)
};

struct Sample {
  const Task* task = nullptr;
  std::string sample_id;
  std::string text;   // the completion or solution as written
  std::string where;  // "file:line", for messages
};

// Reads a samples file. Unknown task ids, missing fields and broken lines throw ilf::Error naming the
// file and line. Samples of tasks outside the selected split are skipped; `skipped` counts them.
std::vector<Sample> ReadSamples(const std::string& path, const SuiteSelection& selection,
                                const EvalOptions& options, size_t* skipped = nullptr);

// The program to run for a sample's text (see the modes above).
std::string ProgramOf(const Suite& suite, const Task& task, const std::string& text, ProgramMode mode);

// The sandbox request for a program of `task`, with the suite's limits and the options' overrides.
sandbox::ExecRequest RequestFor(const Suite& suite, const Task& task, std::string program,
                                const EvalOptions& options);

struct SampleResult {
  const Sample* sample = nullptr;
  sandbox::ExecResult exec;
  std::string program;       // the program that ran (after extraction and the prompt rule)
  bool base_passed = false;  // every base test passed (EvalPlus: the original tests)
  Json ToJson() const;       // one line of results.jsonl
};

// Runs every sample through the sandbox (in parallel, with progress), in sample order.
std::vector<SampleResult> EvaluateSamples(sandbox::Sandbox& sandbox, const SuiteSelection& selection,
                                          const std::vector<Sample>& samples, const EvalOptions& options);

// summary.json: pass@k (and base pass@k when the suite has plus tests), verdict counts, per split,
// and the SANDBOX_ERROR samples per task (counted as failures unless exclude_sandbox_errors).
Json Summarize(const SuiteSelection& selection, const std::vector<SampleResult>& results,
               const EvalOptions& options);

// A short human-readable table of a summary.
std::string FormatSummary(const Json& summary);

}  // namespace ilf::tasks
