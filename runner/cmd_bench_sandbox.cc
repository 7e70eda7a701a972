// ilf bench sandbox: MBPP reference programs through the sandbox and through fresh python3
// processes, in the same run, then as whole commands: `ilf eval` beside a human-eval-style harness
// (runner/bench_whole_command.h). Also `ilf bench` alone, which lists the benchmarks (main() runs
// `ilf bench NAME` as the `bench-NAME` entry of the command table, each in its own
// cmd_bench_NAME.cc).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

#include "runner/bench_whole_command.h"
#include "runner/cli.h"
#include "runner/commands.h"
#include "sandbox/baseline.h"
#include "sandbox/sandbox.h"
#include "src/code/names.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "src/core/paths.h"
#include "src/core/progress.h"
#include "tasks/limits.h"

namespace ilf {
namespace {

std::vector<BenchTask> LoadMbpp(const std::string& path, const sandbox::Limits& limits, int limit,
                                const std::vector<int64_t>& excluded) {
  std::vector<BenchTask> tasks;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    BenchTask task;
    task.task_id = record.Int("task_id");
    if (std::find(excluded.begin(), excluded.end(), task.task_id) != excluded.end()) continue;
    task.request.program = record.String("code");
    task.request.setup = record.Has("test_setup_code") ? record.String("test_setup_code") : "";
    for (const char* key : {"test_list", "challenge_test_list"}) {
      if (!record.Has(key)) continue;
      if (!record.Field(key).is_array()) {
        throw Error(record.Where() + ": field '" + key + "' must be a list of assert strings");
      }
      for (const Json& test : record.Field(key))
        task.request.tests.push_back(test.get<std::string>());
    }
    task.request.limits = limits;
    task.request.entry_point =
        code::FindEntryPoint(task.request.program,
                             task.request.tests.empty() ? "" : task.request.tests.front())
            .value_or("");
    tasks.push_back(std::move(task));
    if (limit > 0 && static_cast<int>(tasks.size()) >= limit) break;
  }
  if (tasks.empty()) throw Error(path + ": no tasks (expected MBPP JSONL records)");
  return tasks;
}

// Runs fn(i) for i in [0, n) on `workers` threads; returns the elapsed seconds.
double Parallel(size_t n, int workers, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// CPU time of this process and of every reaped descendant (for the helpers: themselves and the
// untrusted processes and evaluators they reaped), in ms.
double ProcessTreeCpuMs() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    struct rusage usage {};
    getrusage(who, &usage);
    total += (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
             (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
  }
  return total;
}

Json Latency(const std::vector<double>& ms) {
  return {{"p50", Percentile(ms, 50)}, {"p90", Percentile(ms, 90)}, {"p99", Percentile(ms, 99)}};
}

}  // namespace

int RunBenchSandbox(int argc, char** argv) {
  CLI::App app{
      "Run the reference programs of MBPP through the sandbox and through a fresh\n"
      "python3 process each (same rlimits); print executions per second for both, their\n"
      "ratio, latency percentiles and the CPU time per execution of each run's whole process\n"
      "tree. Then time whole commands on the same programs: `ilf eval --reference` and a\n"
      "human-eval-style harness (a forked process per program, exec, no isolation).\n"
      "Exit 1 if any reference program does not PASS.",
      "ilf bench sandbox"};
  std::string data_path;
  std::string python = "/usr/bin/python3";
  int workers = 0, limit = 0;
  bool json_output = false, skip_baseline = false, skip_commands = false, allow_weaker = false;
  sandbox::Limits limits;
  app.add_option("--data", data_path, "MBPP JSONL (default: $ILF_DATA_DIR/mbpp/mbpp.jsonl)");
  app.add_option("--workers", workers, "parallel executions for both runs; 0 = one per core")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--limit", limit, "only the first N tasks; 0 = all")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--python", python, "interpreter for the baseline and the sandbox's stdlib")
      ->capture_default_str();
  app.add_option("--time-limit-ms", limits.wall_time_ms, "wall-clock limit per execution, ms")
      ->capture_default_str()
      ->check(IntBetween(1, tasks::kMaxTimeLimitMs));
  std::vector<int64_t> excluded;
  app.add_option("--exclude-tasks", excluded,
                 "task ids to leave out (e.g. 123, whose reference program computes for ~1.5 s "
                 "and so bounds the ratio on 2 cores)")
      ->delimiter(',');
  app.add_flag("--skip-baseline", skip_baseline, "measure the sandbox only");
  app.add_flag("--skip-commands", skip_commands,
               "leave out the whole-command runs (ilf eval, the human-eval-style harness)");
  app.add_flag("--allow-weaker-sandbox", allow_weaker, "accept a missing isolation layer");
  app.add_flag("--json", json_output, "print one JSON object instead of text");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (data_path.empty()) data_path = DataPath("mbpp/mbpp.jsonl");
  limits.cpu_time_ms = limits.wall_time_ms;
  std::vector<BenchTask> tasks = LoadMbpp(data_path, limits, limit, excluded);

  sandbox::SandboxOptions options;
  options.workers = workers;
  options.python = python;
  options.allow_weaker = allow_weaker;
  std::vector<sandbox::ExecResult> results(tasks.size());
  std::vector<double> latency(tasks.size());
  double seconds;
  sandbox::IsolationReport isolation;
  // CPU per execution: the whole process tree's CPU over the run, once the pool is shut down (so
  // the helpers are reaped and counted), less what the helpers spent starting.
  double cpu_ms = ProcessTreeCpuMs();
  {
    sandbox::Sandbox sandbox(options);
    workers = sandbox.workers();
    isolation = sandbox.isolation();
    Progress progress("sandbox", static_cast<int64_t>(tasks.size()));
    seconds = Parallel(tasks.size(), workers, [&](size_t i) {
      auto start = std::chrono::steady_clock::now();
      results[i] = sandbox.Run(tasks[i].request);
      latency[i] =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      progress.Advance();
    });
    cpu_ms += sandbox.startup_cpu_ms();
  }
  cpu_ms = ProcessTreeCpuMs() - cpu_ms;
  std::map<std::string, int> verdicts;
  std::vector<int64_t> not_passed;
  for (size_t i = 0; i < tasks.size(); ++i) {
    ++verdicts[std::string(sandbox::VerdictName(results[i].verdict))];
    if (results[i].verdict != sandbox::Verdict::kPass) {
      not_passed.push_back(tasks[i].task_id);
      LogWarning("task {}: {} ({})", tasks[i].task_id, sandbox::VerdictName(results[i].verdict),
                 results[i].detail);
    }
  }

  std::vector<double> baseline_latency(tasks.size());
  double baseline_seconds = 0;
  std::atomic<int> baseline_passed{0};
  double baseline_cpu_ms = 0;
  if (!skip_baseline) {
    baseline_cpu_ms = ProcessTreeCpuMs();
    Progress progress("baseline", static_cast<int64_t>(tasks.size()));
    baseline_seconds = Parallel(tasks.size(), workers, [&](size_t i) {
      const sandbox::ExecRequest& r = tasks[i].request;
      std::string source = r.program + "\n" + r.setup + "\n";
      for (const std::string& test : r.tests) source += test + "\n";
      sandbox::BaselineResult result = sandbox::RunFreshPython(python, source, r.limits);
      baseline_latency[i] = result.wall_time_ms;
      if (result.passed) ++baseline_passed;
      progress.Advance();
    });
    baseline_cpu_ms = ProcessTreeCpuMs() - baseline_cpu_ms;
  }
  // Whole commands, one after the other, each with the cores to itself as the runs above.
  WholeCommandRun eval_run, harness_run;
  if (!skip_commands) {
    WholeCommandOptions command_options;
    command_options.workers = workers;
    command_options.python = python;
    command_options.time_limit_ms = limits.wall_time_ms;
    command_options.memory_limit_mib = limits.memory_mib;
    command_options.allow_weaker_sandbox = allow_weaker;
    eval_run = TimeIlfEval(tasks, command_options);
    harness_run = TimeHumanEvalHarness(tasks, command_options);
  }
  const double n = static_cast<double>(tasks.size());
  double rate = static_cast<double>(tasks.size()) / seconds;
  double baseline_rate = skip_baseline ? 0 : static_cast<double>(tasks.size()) / baseline_seconds;
  double ratio = baseline_rate > 0 ? rate / baseline_rate : 0;
  Json out = {{"tasks", tasks.size()},
              {"workers", workers},
              {"exec_per_s", rate},
              {"baseline_exec_per_s", baseline_rate},
              {"ratio", ratio},
              {"passed", verdicts["PASS"]},
              {"baseline_passed", baseline_passed.load()},
              {"verdicts", verdicts},
              {"not_passed_task_ids", not_passed},
              {"latency_ms", Latency(latency)},
              {"baseline_latency_ms", Latency(baseline_latency)},
              {"cpu_ms_per_exec", cpu_ms / n},
              {"baseline_cpu_ms_per_exec", skip_baseline ? 0 : baseline_cpu_ms / n},
              {"isolation", isolation.ToJson()}};
  if (!skip_commands) {
    // Whole-command wall times, seconds: fresh_python3_s is the baseline run above.
    out["commands"] = {{"ilf_eval_s", eval_run.seconds},
                       {"ilf_eval_passed", eval_run.passed},
                       {"fresh_python3_s", skip_baseline ? Json() : Json(baseline_seconds)},
                       {"humaneval_harness_s", harness_run.seconds},
                       {"humaneval_harness_passed", harness_run.passed}};
  }
  if (json_output) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "sandbox:  %zu executions in %.2f s = %.1f exec/s on %d workers; latency p50 %.2f "
        "ms, p90 %.2f ms, p99 %.2f ms; CPU %.2f ms per execution; %d/%zu PASS\n",
        tasks.size(), seconds, rate, workers, Percentile(latency, 50), Percentile(latency, 90),
        Percentile(latency, 99), cpu_ms / n, verdicts["PASS"], tasks.size());
    if (!skip_baseline) {
      std::printf(
          "baseline: %zu fresh `%s -I -S` in %.2f s = %.1f exec/s; latency p50 %.2f ms, "
          "p90 %.2f ms, p99 %.2f ms; CPU %.2f ms per execution; %d/%zu exit 0\n",
          tasks.size(), python.c_str(), baseline_seconds, baseline_rate,
          Percentile(baseline_latency, 50), Percentile(baseline_latency, 90),
          Percentile(baseline_latency, 99), baseline_cpu_ms / n, baseline_passed.load(),
          tasks.size());
      std::printf("ratio:    %.2fx throughput, %.2fx less CPU per execution\n", ratio,
                  cpu_ms > 0 ? baseline_cpu_ms / cpu_ms : 0.0);
    }
    if (!skip_commands) {
      std::printf(
          "commands: %zu programs, %d workers, whole command: `ilf eval --reference` %.2f s "
          "(%lld PASS); human-eval-style harness %.2f s (%lld passed)",
          tasks.size(), workers, eval_run.seconds, static_cast<long long>(eval_run.passed),
          harness_run.seconds, static_cast<long long>(harness_run.passed));
      if (!skip_baseline) std::printf("; fresh python3 per program %.2f s", baseline_seconds);
      std::printf("\n");
    }
    std::printf("isolation: %s\n", isolation.ToJson().dump().c_str());
  }
  return not_passed.empty() ? kExitOk : kExitFailed;
}

int RunBench(int argc, char** argv) {
  std::string names;
  for (const Command& command : Commands()) {
    if (std::strncmp(command.name, "bench-", 6) == 0) {
      names += std::string(names.empty() ? "" : ", ") + (command.name + 6);
    }
  }
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::printf("usage: ilf bench NAME [options]   (ilf bench NAME --help)\nbenchmarks: %s\n",
                names.c_str());
    return argc < 2 ? kExitUsage : kExitOk;
  }
  // main() runs `ilf bench NAME` as bench-NAME itself; what reaches here names none.
  throw Error(std::string("unknown benchmark '") + argv[1] + "' (available: " + names + ")");
}

}  // namespace ilf
