// `ilf bench serve`: `ilf serve` under concurrent clients against in-process generation at the same
// batch size, side by side in one run (src/lm/bench_serve.h).
#include <cstdio>

#include "runner/cli.h"
#include "runner/commands.h"
#include "src/lm/bench_serve.h"

namespace ilf {

int RunBenchServe(int argc, char** argv) {
  CLI::App app{
      "Benchmark ilf serve: greedy generation for random prompts in process (batch rows = "
      "--batch), then the same prompts from --clients concurrent HTTP clients against the "
      "server on loopback (--max-batch-rows = --batch); prints both new-token rates, their "
      "ratio and the number of answers that differ from in-process (0 expected).",
      "ilf bench serve"};
  lm::BenchServeOptions options;
  bool json = false;
  app.add_option("--model", options.model_dir,
                 "checkpoint with tokenizer files (e.g. ilf init-model --tokenizer)")
      ->required();
  app.add_option("--tokenizer", options.tokenizer_dir, "tokenizer directory (default: --model)");
  app.add_option("--clients", options.clients, "concurrent HTTP clients")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--batch", options.batch, "rows decoded together")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--requests", options.requests, "prompts, one request each")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--new-tokens", options.new_tokens, "greedy tokens per prompt")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--prompt-tokens", options.prompt_tokens, "random prompt length")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--device", options.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--threads", options.threads, "CPU threads (0 = all cores)")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--seed", options.seed, "prompts")->capture_default_str();
  app.add_flag("--json", json, "print one JSON object");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  nlohmann::json result = lm::BenchServe(options);
  if (json) {
    std::printf("%s\n", result.dump().c_str());
  } else {
    std::printf(
        "in process: %.1f new tokens/s (batch %lld)\n"
        "ilf serve:  %.1f new tokens/s (%d clients, %lld batches, %.1f rows each)\n"
        "serve / in process: %.3f; wrong answers: %lld; failed requests: %lld (%lld retries)\n",
        result["in_process_tokens_per_s"].get<double>(), static_cast<long long>(options.batch),
        result["serve_tokens_per_s"].get<double>(), options.clients,
        static_cast<long long>(result["server_batches"].get<int64_t>()),
        result["mean_batch_rows"].get<double>(), result["serve_over_in_process"].get<double>(),
        static_cast<long long>(result["wrong_answers"].get<int64_t>()),
        static_cast<long long>(result["failed_requests"].get<int64_t>()),
        static_cast<long long>(result["retries"].get<int64_t>()));
  }
  bool all_right =
      result["wrong_answers"].get<int64_t>() == 0 && result["failed_requests"].get<int64_t>() == 0;
  return all_right ? 0 : 1;
}

}  // namespace ilf
