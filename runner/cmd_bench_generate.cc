// `ilf bench generate`: prefill/decode speed of a config with random weights, and how close
// decoding comes to the bare matrix products of one step (bound_ratio), measured in the same run.
#include <cstdio>
#include <optional>
#include <string>

#include "runner/baseline.h"
#include "runner/cli.h"
#include "runner/commands.h"
#include "src/lm/bench_generate.h"

namespace ilf {

int RunBenchGenerate(int argc, char** argv) {
  CLI::App app{
      "Benchmark generation with random weights of a config: prefill and decode tokens/s, "
      "peak memory, and the time of the bare matrix products one decoding step must do "
      "(q/k/v/o, gate/up/down per layer, lm_head at the batch size, with the model's own "
      "weights); bound_ratio = bare-matmul time / measured decode-step time.",
      "ilf bench generate"};
  lm::BenchGenerateOptions options;
  bool json = false;
  std::string baseline = "auto";
  app.add_option("--config", options.config_path, "config.json (or a directory holding one)")
      ->required();
  app.add_option("--batch", options.batch, "rows decoded together")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--new-tokens", options.new_tokens, "tokens generated per row (>= 2)")
      ->capture_default_str()
      ->check(IntAtLeast(2));
  app.add_option("--prompt-tokens", options.prompt_tokens, "random prompt length in tokens")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--device", options.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--dtype", options.dtype, "auto, float32, bfloat16, float16")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "CPU threads (0 = all cores)")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--seed", options.seed, "weights and prompts")->capture_default_str();
  app.add_option("--baseline", baseline,
                 "after ilf, time scripts/bench/torch_baseline.py (transformers generate() if "
                 "installed, else eager PyTorch) on the same config/batch/tokens/dtype/device: "
                 "auto (python3 with torch, else skip), none, or a Python interpreter")
      ->capture_default_str();
  app.add_flag("--json", json, "print one JSON object (baseline, speedup_vs_baseline included)");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  std::string baseline_note;
  std::optional<std::string> baseline_python = ResolveBaselinePython(baseline, &baseline_note);
  lm::BenchGenerateResult result = lm::BenchGenerate(options);
  {
    const auto& f = result.fields;
    AddBaseline(
        baseline_python, baseline_note,
        {"generate", "--config", options.config_path, "--batch", std::to_string(options.batch),
         "--new-tokens", std::to_string(options.new_tokens), "--prompt-tokens",
         std::to_string(options.prompt_tokens), "--dtype", f["dtype"].get<std::string>(),
         "--device", f["device"].get<std::string>(), "--seed", std::to_string(options.seed),
         "--threads", std::to_string(f["threads"].get<int>())},
        "decode_tokens_per_s", "decode_tokens_per_s", result.fields);
  }
  if (json) {
    std::printf("%s\n", result.fields.dump().c_str());
    return 0;
  }
  const auto& f = result.fields;
  std::printf("%s, %s on %s, %d threads (BLAS: %s)\n", f["architecture"].get<std::string>().c_str(),
              f["dtype"].get<std::string>().c_str(), f["device"].get<std::string>().c_str(),
              f["threads"].get<int>(), f["blas"].get<std::string>().c_str());
  std::printf("batch %lld, %lld prompt + %lld new tokens\n", (long long)options.batch,
              (long long)options.prompt_tokens, (long long)options.new_tokens);
  std::printf("prefill:  %8.3f s  %10.1f tokens/s\n", f["prefill_s"].get<double>(),
              f["prefill_tokens_per_s"].get<double>());
  std::printf("decode:   %8.3f s  %10.1f tokens/s  (step %.2f ms median)\n",
              f["decode_s"].get<double>(), f["decode_tokens_per_s"].get<double>(),
              result.decode_step_ms);
  std::printf("bare matmuls of one step: %.2f ms  -> bound_ratio %.3f\n",
              result.bare_matmul_step_ms, result.bound_ratio);
  std::printf("overall:  %.1f tokens/s, peak RSS %.0f MiB\n", result.tokens_per_s,
              f["peak_rss_mib"].get<double>());
  std::printf("%s\n", BaselineSummary(f, "decode_tokens_per_s", "decode tokens/s").c_str());
  return 0;
}

}  // namespace ilf
