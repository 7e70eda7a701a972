// `ilf serve`: an OpenAI-compatible server (/v1/completions, /v1/chat/completions,
// /v1/embeddings, /v1/models, /health) over a checkpoint, batching concurrent requests into one
// forward pass (src/lm/serve.h).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/model_flags.h"
#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/core/log.h"
#include "src/lm/serve.h"

namespace ilf {

int RunServe(int argc, char** argv) {
  CLI::App app{
      "Serve a model over HTTP with the OpenAI completions API (what vLLM serves): POST "
      "/v1/completions (prompt text or token ids; n, temperature, top_p, top_k, max_tokens, "
      "stop, seed, logprobs 0, echo with max_tokens 0 for scoring, vLLM's ignore_eos, "
      "stop_token_ids, return_tokens_as_token_ids), POST /v1/chat/completions (the same fields, "
      "logprobs true), POST /v1/embeddings (mean-pooled final hidden states), GET /v1/models, "
      "GET /health. Concurrent requests are batched into one forward pass. With ILF_API_KEY set, "
      "requests need 'Authorization: Bearer KEY'. Ctrl-C stops it.",
      "ilf serve"};
  ModelFlags model_flags;
  lm::ServeOptions options;
  AddModelFlags(app, &model_flags);
  app.add_option("--host", options.host, "address to listen on (0.0.0.0: every interface)")
      ->capture_default_str();
  app.add_option("--port", options.port, "TCP port (0: any free port, printed)")
      ->capture_default_str()
      ->check(IntBetween(0, 65535));
  app.add_option("--served-model-name", options.model_name,
                 "the name clients ask for (default: the checkpoint folder's name)");
  app.add_option("--max-batch-rows", options.max_batch_rows,
                 "prompt x sample rows decoded together at most")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--http-threads", options.http_threads, "connections served at once")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--max-tokens-limit", options.max_tokens_limit,
                 "refuse requests for more new tokens")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  std::unique_ptr<lm::Tokenizer> tokenizer = LoadTokenizer(model_flags);
  if (!tokenizer) {
    throw Error(
        "ilf serve needs the model's tokenizer (text prompts, stop strings, answers); the "
        "model directory has none: pass --tokenizer DIR");
  }
  if (options.model_name.empty()) {
    std::filesystem::path dir(model_flags.model_dir);
    options.model_name = (dir.filename().empty() ? dir.parent_path() : dir).filename().string();
  }
  std::unique_ptr<lm::LanguageModel> model = LoadModel(model_flags);
  lm::Server server(*model, *tokenizer, options);
  int port = server.Bind();
  std::printf("ilf serve: %s at http://%s:%d/v1\n", options.model_name.c_str(),
              options.host.c_str(), port);
  std::fflush(stdout);
  // Ctrl-C (main's handler sets a flag) stops the server from this watcher.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done && !InterruptRequested())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.Stop();
  });
  server.Serve();
  done = true;
  watcher.join();
  lm::BatcherStats stats = server.stats();
  LogInfo("served {} batches, {} rows (largest {})", stats.batches, stats.rows, stats.max_rows);
  ThrowIfInterrupted();
  return 0;
}

}  // namespace ilf
