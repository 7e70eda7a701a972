// `ilf bench train`: training throughput and MFU of a config with random weights.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "runner/baseline.h"
#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/local_ranks.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/log.h"
#include "src/lm/train/bench_train.h"

namespace ilf {
namespace {

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// `--nproc N`: the same benchmark as 1 rank and as N ranks (each its own processes, started one
// after the other in this run), and the ratio of their tokens/s.
int CompareRanks(int nproc, int argc, char** argv, bool json) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("ilf-bench-train-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  nlohmann::json report = {{"load_average_before", LoadAverage()}};
  for (int ranks : {1, nproc}) {
    const std::string result_file = dir + "/ranks-" + std::to_string(ranks) + ".json";
    std::vector<std::string> args =
        RankCommandLine("bench-train", argc, argv, {"--nproc", "--baseline", "--result-file"});
    for (const char* extra : {"--baseline", "none", "--result-file"}) args.push_back(extra);
    args.push_back(result_file);
    LogInfo("bench train: {} rank(s)", ranks);
    const int status = RunLocalRanks(ranks, args);
    if (status != 0) {
      std::filesystem::remove_all(dir);
      throw Error(fmt::format("bench train: the {}-rank run failed (status {})", ranks, status),
                  kExitFailed);
    }
    std::ifstream in(result_file);
    std::stringstream text;
    text << in.rdbuf();
    report["ranks_" + std::to_string(ranks)] = nlohmann::json::parse(text.str());
  }
  std::filesystem::remove_all(dir);
  report["load_average_after"] = LoadAverage();
  const double one = report["ranks_1"]["tokens_per_s"].get<double>();
  const double many = report["ranks_" + std::to_string(nproc)]["tokens_per_s"].get<double>();
  report["nproc"] = nproc;
  report["speedup"] = many / one;
  if (json) {
    std::printf("%s\n", report.dump().c_str());
  } else {
    const auto& r1 = report["ranks_1"];
    std::printf("%s, batch %lld x seq %lld per rank, %d thread(s) per rank\n",
                r1["architecture"].get<std::string>().c_str(),
                static_cast<long long>(r1["batch"].get<int64_t>()),
                static_cast<long long>(r1["seq"].get<int64_t>()), r1["threads"].get<int>());
    std::printf(
        "1 rank: %.1f tokens/s; %d ranks: %.1f tokens/s (all-reduce wait %.3f s of a "
        "%.3f s step, %lld buckets): %.2fx\n",
        one, nproc, many,
        report["ranks_" + std::to_string(nproc)]["allreduce_wait_s"].get<double>(),
        report["ranks_" + std::to_string(nproc)]["step_s"].get<double>(),
        static_cast<long long>(
            report["ranks_" + std::to_string(nproc)]["gradient_buckets"].get<int64_t>()),
        many / one);
    std::printf("load average before %s, after %s\n",
                report["load_average_before"].get<std::string>().c_str(),
                report["load_average_after"].get<std::string>().c_str());
  }
  return 0;
}

}  // namespace

int RunBenchTrain(int argc, char** argv) {
  CLI::App app{
      "Time full training steps (forward, backward, clipping, AdamW) of a config.json with random "
      "weights and random tokens; report tokens/s, peak memory and MFU = model FLOP/s (6 x matmul "
      "params + 12 x layers x seq x heads x head_dim per token) / the bare GEMM FLOP/s of the same "
      "shapes measured in this run.",
      "ilf bench train"};
  lm::BenchTrainOptions o;
  bool json = false;
  std::string baseline = "auto";
  app.add_option("--config", o.config_path, "config.json (or a directory holding one)")->required();
  app.add_option("--batch", o.batch, "sequences per step")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--seq", o.seq, "tokens per sequence")
      ->capture_default_str()
      ->check(IntAtLeast(2));
  app.add_option("--steps", o.steps, "timed steps (after one warm-up step)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--device", o.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--bf16", o.bf16, "on CUDA: bfloat16 compute, float32 master weights")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of weights and tokens")->capture_default_str();
  app.add_option("--gemm-repeats", o.gemm_repeats, "timed passes over the bare GEMMs")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--threads", o.threads, "CPU threads; 0 = core count")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--baseline", baseline,
                 "after ilf, time scripts/bench/torch_baseline.py (a PyTorch eager training step, "
                 "transformers' model if installed) with the same config/batch/seq/steps/dtype/"
                 "device: auto (python3 with torch, else skip), none, or a Python interpreter")
      ->capture_default_str();
  int nproc = 1;
  std::string result_file;
  app.add_option("--nproc", nproc,
                 "data parallel: run the benchmark as 1 rank, then as N ranks (processes on this "
                 "machine, each with --batch sequences and --threads threads, gradients "
                 "all-reduced as in finetune), and report the tokens/s ratio")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--bucket-mib", o.bucket_mib, "data parallel: all-reduce bucket size (MiB)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--result-file", result_file,
                 "write the JSON result to this file instead of printing it (how the ranks of "
                 "--nproc report)");
  app.add_flag("--json", json,
               "print one JSON object (keys include tokens_per_s, mfu, baseline, "
               "speedup_vs_baseline)");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (nproc > 1) return CompareRanks(nproc, argc, argv, json);
  o.distributed = lm::ReadDistributedEnv();
  if (o.distributed.rank != 0 && GetLogLevel() < LogLevel::kWarning) {
    SetLogLevel(LogLevel::kWarning);
  }
  std::string baseline_note;
  std::optional<std::string> baseline_python = ResolveBaselinePython(baseline, &baseline_note);
  lm::BenchTrainResult result = lm::BenchTrain(o);
  if (o.distributed.rank != 0) return 0;  // rank 0 reports for the job
  {
    const auto& f = result.fields;
    AddBaseline(
        baseline_python, baseline_note,
        {"train", "--config", o.config_path, "--batch", std::to_string(o.batch), "--seq",
         std::to_string(o.seq), "--steps", std::to_string(o.steps), "--dtype",
         f["compute_dtype"].get<std::string>(), "--device", f["device"].get<std::string>(),
         "--seed", std::to_string(o.seed), "--threads", std::to_string(f["threads"].get<int>())},
        "tokens_per_s", "tokens_per_s", result.fields);
  }
  if (!result_file.empty()) {
    WriteFileAtomically(result_file, result.fields.dump() + "\n");
  } else if (json) {
    std::printf("%s\n", result.fields.dump().c_str());
  } else {
    const auto& f = result.fields;
    std::printf("%s on %s (%s, %d threads), batch %lld x seq %lld, %lld params\n",
                f["architecture"].get<std::string>().c_str(),
                f["device"].get<std::string>().c_str(),
                f["compute_dtype"].get<std::string>().c_str(), f["threads"].get<int>(),
                static_cast<long long>(o.batch), static_cast<long long>(o.seq),
                static_cast<long long>(f["params"].get<int64_t>()));
    std::printf(
        "step %.3f s, %.1f tokens/s, %.3f model TFLOP/s, bare GEMM %.3f TFLOP/s, MFU %.3f, "
        "peak memory %.0f MiB (%s)\n",
        result.step_s, result.tokens_per_s, f["model_tflops_per_s"].get<double>(),
        f["bare_gemm_tflops_per_s"].get<double>(), result.mfu, f["peak_memory_mib"].get<double>(),
        f["peak_memory_kind"].get<std::string>().c_str());
    std::printf("%s\n", BaselineSummary(f, "tokens_per_s", "tokens/s").c_str());
  }
  return 0;
}

}  // namespace ilf
