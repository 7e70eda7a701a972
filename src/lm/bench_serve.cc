#include "src/lm/bench_serve.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "src/core/error.h"
#include "src/core/log.h"
#include "src/lm/language_model.h"
#include "src/lm/openai_protocol.h"
#include "src/lm/remote_model.h"
#include "src/lm/serve.h"
#include "src/lm/tokenizer.h"

namespace ilf::lm {
namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

nlohmann::json BenchServe(const BenchServeOptions& options) {
  if (options.requests < 1 || options.clients < 1 || options.batch < 1 || options.new_tokens < 1)
    throw Error("bench serve: requests, clients, batch and new tokens must be >= 1");
  LoadOptions load;
  load.device = options.device;
  load.threads = options.threads;
  std::unique_ptr<LanguageModel> model = LoadLanguageModel(options.model_dir, load);
  Tokenizer tokenizer =
      Tokenizer::Load(options.tokenizer_dir.empty() ? options.model_dir : options.tokenizer_dir);
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<int64_t> token(0, tokenizer.vocab_size() - 1);
  std::vector<std::vector<int64_t>> prompts(options.requests);
  for (auto& prompt : prompts) {
    for (int64_t i = 0; i < options.prompt_tokens; ++i) prompt.push_back(token(rng));
  }
  GenerateOptions greedy;
  greedy.max_new_tokens = options.new_tokens;
  greedy.ignore_eos = true;
  greedy.max_batch_rows = options.batch;
  model->Generate({prompts[0]}, greedy);  // warm-up

  auto start = std::chrono::steady_clock::now();
  std::vector<Sample> reference = model->Generate(prompts, greedy);
  double in_process_s = Seconds(start);

  ServeOptions serve;
  serve.port = 0;
  serve.model_name = "bench";
  serve.max_batch_rows = options.batch;
  serve.http_threads = options.clients + 8;
  Server server(*model, tokenizer, serve);
  int port = server.Bind();
  std::thread serving([&] { server.Serve(); });
  RemoteOptions remote;
  remote.concurrency = options.clients;
  // The default retries, as any client needs: Debian's cpp-httplib listens with a backlog of 5, so
  // under 64 simultaneous connects a few are closed unanswered (README, "ilf serve"). Retries are
  // counted and reported; a request still failing after them is a failure, not a wrong answer.
  OpenAiClient client("http://127.0.0.1:" + std::to_string(port) + "/v1", remote);
  std::atomic<int64_t> next{0}, wrong{0}, failed{0};
  std::string error;
  std::mutex error_mutex;
  auto ask = [&](int64_t i) {
    CompletionRequest r;
    r.prompts = {PromptInput{prompts[i], "", false}};
    r.max_tokens = options.new_tokens;
    r.temperature = 0;
    r.ignore_eos = true;
    r.logprobs = 0;
    r.return_tokens_as_token_ids = true;
    CompletionResponse answer =
        ParseCompletionResponse(client.Post("/completions", CompletionRequestJson(r)));
    if (answer.choices.size() != 1 || answer.choices[0].token_ids != reference[i].completion_ids)
      ++wrong;
  };
  ask(0);  // warm-up: connection and server threads
  BatcherStats before = server.stats();
  int64_t retries_before = client.retries();
  start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c) {
    clients.emplace_back([&] {
      for (int64_t i; (i = next++) < options.requests;) {
        try {
          ask(i);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(error_mutex);
          error = e.what();
          ++failed;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  double serve_s = Seconds(start);
  BatcherStats after = server.stats();
  server.Stop();
  serving.join();
  if (!error.empty()) LogWarning("bench serve: a request failed: {}", error);

  double tokens = static_cast<double>(options.requests * options.new_tokens);
  double in_rate = tokens / in_process_s, serve_rate = tokens / serve_s;
  int64_t batches = after.batches - before.batches;
  return {
      {"model", options.model_dir},
      {"clients", options.clients},
      {"batch", options.batch},
      {"requests", options.requests},
      {"new_tokens", options.new_tokens},
      {"prompt_tokens", options.prompt_tokens},
      {"device", model->info().device},
      {"in_process_tokens_per_s", in_rate},
      {"serve_tokens_per_s", serve_rate},
      {"serve_over_in_process", serve_rate / in_rate},
      {"wrong_answers", wrong.load()},
      {"failed_requests", failed.load()},
      {"retries", client.retries() - retries_before},
      {"server_batches", batches},
      {"mean_batch_rows", batches ? static_cast<double>(after.rows - before.rows) / batches : 0.0}};
}

}  // namespace ilf::lm
