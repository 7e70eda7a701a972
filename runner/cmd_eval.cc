// `ilf eval`: score a samples file (or the suite's reference programs) on a suite with pass@k.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "runner/cli.h"
#include "runner/commands.h"
#include "sandbox/sandbox.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "tasks/evaluation.h"
#include "tasks/limits.h"

namespace ilf {
namespace {

std::vector<int64_t> ParseKs(const std::string& text) {
  std::vector<int64_t> ks;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      int64_t k = std::stoll(item, &used);
      if (used != item.size() || k < 1) throw std::invalid_argument(item);
      ks.push_back(k);
    } catch (const std::exception&) {
      throw Error("--k: '" + item + "' is not a positive integer (expected e.g. --k 1,10,100)");
    }
  }
  if (ks.empty()) throw Error("--k: give at least one k, e.g. --k 1,10");
  return ks;
}

std::string DefaultOutDir(const std::string& samples, const std::string& suite_spec) {
  if (samples.empty()) {
    std::string name = suite_spec;
    for (char& c : name) {
      if (c == '/' || c == ':') c = '-';
    }
    return "ilf-eval/" + name + "-reference";
  }
  std::filesystem::path path(samples);
  std::string stem = path.filename().string();
  for (const char* ext : {".gz", ".jsonl", ".json"}) {
    if (stem.size() > std::strlen(ext) &&
        stem.compare(stem.size() - std::strlen(ext), std::string::npos, ext) == 0) {
      stem.resize(stem.size() - std::strlen(ext));
    }
  }
  return (path.parent_path() / (stem + ".eval")).string();
}

// An earlier evaluation's files in `out_dir` are replaced only when asked (--force): a second run
// with another --samples and the default or a repeated --out would otherwise overwrite them.
void RefuseEarlierResults(const std::string& out_dir, bool force) {
  if (force) return;
  for (const char* name : {"results.jsonl", "summary.json"}) {
    std::string path = out_dir + "/" + name;
    if (std::filesystem::exists(path)) {
      throw Error("--out " + out_dir + " already holds the results of an evaluation (" + path +
                  "); pass --force to replace them, or choose another --out");
    }
  }
}

}  // namespace

int RunEval(int argc, char** argv) {
  CLI::App app{
      "Run samples against a suite's tests in the sandbox and report pass@k (unbiased estimator). "
      "Writes DIR/results.jsonl (one record per sample) and DIR/summary.json.",
      "ilf eval"};
  std::string suite_spec, samples_path, out_dir, ks_text = "1,10,100", field, mode = "auto";
  bool reference = false, json = false, per_task = false, allow_weaker = false, no_extract = false;
  int workers = 0;
  std::optional<int64_t> time_limit_ms, memory_limit_mib;
  app.add_option("--suite", suite_spec, "NAME[:SPLIT] or MANIFEST.json[:SPLIT] (see `ilf suites`)")
      ->required();
  app.add_option("--samples", samples_path,
                 "samples JSONL (human-eval/EvalPlus format: task_id + completion "
                 "or solution; sample_id optional)");
  app.add_flag("--reference", reference,
               "evaluate the suite's reference programs instead of a samples file");
  app.add_option("--k", ks_text, "comma-separated k values for pass@k")->capture_default_str();
  app.add_option("--out", out_dir,
                 "output directory (default: SAMPLES.eval/ beside the samples file)");
  app.add_option("--field", field,
                 "field holding the program text (default: solution if present, else completion)");
  app.add_option("--program", mode,
                 "how to form the program: auto (the text if it defines the entry point, else "
                 "prompt + text), completion, prompt+completion")
      ->check(CLI::IsMember({"auto", "completion", "prompt+completion"}))
      ->capture_default_str();
  app.add_flag("--no-extract", no_extract,
               "run the text as written (default: unwrap Markdown fences and "
               "[BEGIN]/[DONE] markers around the program)");
  app.add_option("--time-limit-ms", time_limit_ms,
                 "wall and CPU limit per sample in milliseconds "
                 "(default: the suite's, 10000 for MBPP/HumanEval)")
      ->check(IntBetween(1, tasks::kMaxTimeLimitMs));
  app.add_option(
         "--memory-limit-mib", memory_limit_mib,
         "address-space limit per sample in MiB (default: the suite's, 1024 for MBPP/HumanEval)")
      ->check(IntBetween(64, tasks::kMaxMemoryLimitMib));
  app.add_option("--workers", workers, "parallel sandbox helpers (default: one per core)")
      ->check(IntAtLeast(1));
  bool force = false;
  app.add_flag("--force", force, "replace the results of an earlier evaluation in --out");
  app.add_flag("--allow-weaker-sandbox", allow_weaker,
               "run even if an essential isolation layer is missing (recorded in summary.json)");
  app.add_flag("--per-task", per_task, "also print each task's verdicts");
  bool exclude_sandbox_errors = false;
  app.add_flag("--exclude-sandbox-errors", exclude_sandbox_errors,
               "leave SANDBOX_ERROR samples out of pass@k (default: they count as failures)");
  app.add_flag("--json", json, "print summary.json to stdout instead of the table");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (reference == !samples_path.empty())
    throw Error("give exactly one of --samples FILE and --reference");

  tasks::EvalOptions options;
  options.ks = ParseKs(ks_text);
  options.field = field;
  options.program_mode = mode == "completion"          ? tasks::ProgramMode::kCompletion
                         : mode == "prompt+completion" ? tasks::ProgramMode::kPromptPlusCompletion
                                                       : tasks::ProgramMode::kAuto;
  options.extract_code = !no_extract;
  options.exclude_sandbox_errors = exclude_sandbox_errors;
  options.time_limit_ms = time_limit_ms;
  options.memory_limit_mib = memory_limit_mib;
  if (out_dir.empty()) out_dir = DefaultOutDir(samples_path, suite_spec);
  RefuseEarlierResults(out_dir, force);

  std::unique_ptr<tasks::SuiteSelection> selection = tasks::SelectSuite(suite_spec);
  std::vector<tasks::Sample> samples;
  if (reference) {
    for (const tasks::Task* task : selection->tasks) {
      if (task->reference.empty()) continue;
      samples.push_back({task, "reference", task->reference, selection->suite.source});
    }
    options.program_mode = tasks::ProgramMode::kCompletion;
  } else {
    size_t skipped = 0;
    samples = tasks::ReadSamples(samples_path, *selection, options, &skipped);
    if (skipped > 0)
      LogInfo("{} samples belong to tasks outside split '{}' and are skipped", skipped,
              selection->split);
  }
  if (samples.empty()) throw Error("no samples to evaluate for suite '" + suite_spec + "'");

  sandbox::SandboxOptions sandbox_options;
  // No more helpers than samples: each costs an interpreter start, and they start one by one.
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  sandbox_options.workers = static_cast<int>(std::min<size_t>(workers, samples.size()));
  sandbox_options.allow_weaker = allow_weaker;
  // EvalPlus's test programs import numpy; pre-importing it in the zygote saves ~100 ms per sample.
  for (const tasks::Task* task : selection->tasks) {
    for (const std::string& test : task->tests)
      sandbox_options.preload_numpy |= test.find("numpy") != std::string::npos;
  }
  sandbox::Sandbox sandbox(sandbox_options);
  LogInfo("evaluating {} samples of {} tasks with {} sandbox workers", samples.size(),
          selection->tasks.size(), sandbox.workers());
  std::vector<tasks::SampleResult> results =
      tasks::EvaluateSamples(sandbox, *selection, samples, options);

  Json summary = tasks::Summarize(*selection, results, options);
  summary["samples_file"] = reference ? "reference" : samples_path;
  summary["isolation"] = sandbox.isolation().ToJson();
  Json config{{"suite", suite_spec},
              {"samples", summary["samples_file"]},
              {"k", options.ks},
              {"field", field},
              {"program", mode},
              {"extract", !no_extract},
              // The limits that applied: the flag's, else the suite's.
              {"time_limit_ms", time_limit_ms.value_or(selection->suite.limits.wall_time_ms)},
              {"memory_limit_mib", memory_limit_mib.value_or(selection->suite.limits.memory_mib)},
              {"exclude_sandbox_errors", exclude_sandbox_errors}};
  summary["config"] = config;
  std::string hash = HashJson(config);
  // Both files are written to temporaries first; neither appears unless both are complete.
  JsonlWriter writer(out_dir + "/results.jsonl", ArtifactHeader{"ilf.results", 1, hash});
  for (const tasks::SampleResult& result : results) writer.Write(result.ToJson());
  AtomicFile summary_file(out_dir + "/summary.json");
  summary_file.Write(summary.dump(2) + "\n");
  writer.Commit();
  summary_file.Commit();

  if (json) {
    std::printf("%s\n", summary.dump(2).c_str());
  } else {
    if (per_task) {
      for (const tasks::SampleResult& r : results) {
        std::printf("%-16s %-12s %-14s %s\n", r.sample->task->task_id.c_str(),
                    r.sample->sample_id.c_str(),
                    std::string(sandbox::VerdictName(r.exec.verdict)).c_str(),
                    r.exec.detail.substr(0, 80).c_str());
      }
    }
    std::printf("%s", tasks::FormatSummary(summary).c_str());
    std::printf("  results: %s/results.jsonl, summary: %s/summary.json\n", out_dir.c_str(),
                out_dir.c_str());
  }
  return kExitOk;
}

}  // namespace ilf
