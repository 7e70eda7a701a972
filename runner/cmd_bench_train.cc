// `ilf bench train`: training throughput and MFU of a config with random weights.
#include <cstdio>
#include <optional>
#include <string>

#include "runner/baseline.h"
#include "runner/cli.h"
#include "runner/commands.h"
#include "src/lm/train/bench_train.h"

namespace ilf {

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
  app.add_option("--batch", o.batch, "sequences per step")->capture_default_str();
  app.add_option("--seq", o.seq, "tokens per sequence")->capture_default_str();
  app.add_option("--steps", o.steps, "timed steps (after one warm-up step)")->capture_default_str();
  app.add_option("--device", o.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--bf16", o.bf16, "on CUDA: bfloat16 compute, float32 master weights")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of weights and tokens")->capture_default_str();
  app.add_option("--gemm-repeats", o.gemm_repeats, "timed passes over the bare GEMMs")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads; 0 = core count")->capture_default_str();
  app.add_option("--baseline", baseline,
                 "after ilf, time scripts/bench/torch_baseline.py (a PyTorch eager training step, "
                 "transformers' model if installed) with the same config/batch/seq/steps/dtype/"
                 "device: auto (python3 with torch, else skip), none, or a Python interpreter")
      ->capture_default_str();
  app.add_flag("--json", json,
               "print one JSON object (keys include tokens_per_s, mfu, baseline, "
               "speedup_vs_baseline)");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  std::string baseline_note;
  std::optional<std::string> baseline_python = ResolveBaselinePython(baseline, &baseline_note);
  lm::BenchTrainResult result = lm::BenchTrain(o);
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
  if (json) {
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
