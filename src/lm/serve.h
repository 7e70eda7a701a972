// OpenAI-compatible HTTP server over a LanguageModel (`ilf serve`): POST /v1/completions,
// POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models, GET /health.
//
// Theory of operation. cpp-httplib's thread pool (http_threads) parses each request into the
// protocol structs (src/lm/openai_protocol.h) and hands it to one ServeBatcher
// (src/lm/serve_batcher.h), whose single model thread batches concurrent requests into one forward
// pass. A request's seed s draws prompt i of it from PromptSeed(s, i), as an in-process run does
// for its i-th prompt, so a client asking for prompts a.. seeded PromptSeed(s, a) gets the
// in-process samples. Scoring is echo + logprobs with max_tokens 0 (vLLM's and OpenAI's legacy
// behaviour): the prompt's tokens with their log-probs, the first one null. A chat request is its
// conversation through the model's chat template (src/lm/chat.h, as LanguageModel::Chat in
// process), answered with OpenAI's logprobs.content when asked. Embeddings are each input's
// mean-pooled final hidden states (LanguageModel::MeanHiddenStates), requests batched together as
// scoring requests are. When ILF_API_KEY is set in the server's environment, requests need
// "Authorization: Bearer KEY" (401 otherwise).
//
// Errors: a malformed request or a prompt the model refuses is 400 with an OpenAI error body; an
// unknown model name 404; a failure of ours 500.
// Thread safety: Stop() may be called from any thread (a signal handler's watcher).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "src/lm/language_model.h"
#include "src/lm/serve_batcher.h"
#include "src/lm/tokenizer.h"

namespace httplib {
class Server;
}

namespace ilf::lm {

struct ServeOptions {
  std::string host = "127.0.0.1";   // address to listen on ("0.0.0.0": every interface)
  int port = 8000;                  // TCP port; 0 = any free port (see Server::port())
  std::string model_name;           // the name clients ask for ("model"); required
  int64_t max_batch_rows = 32;      // prompt x sample rows decoded together at most
  int http_threads = 128;           // connections served at once (each waits for its batch)
  int64_t max_tokens_limit = 4096;  // requests asking for more new tokens are refused (400)
  int64_t max_model_len = 0;        // reported in /v1/models (0: unknown)
};

class Server {
 public:
  // `model` and `tokenizer` must outlive the server.
  Server(LanguageModel& model, const Tokenizer& tokenizer, ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port. Returns the port (the chosen one for port 0). Throws ilf::Error when it
  // cannot.
  int Bind();
  // Answers requests until Stop(). Call after Bind().
  void Serve();
  // Makes Serve() return (in-flight requests finish first).
  void Stop();
  int port() const { return port_; }
  BatcherStats stats() const { return batcher_.stats(); }

 private:
  void Routes();

  const Tokenizer& tokenizer_;
  ServeOptions options_;
  std::string api_key_;  // from ILF_API_KEY at construction; empty: no authentication
  ServeBatcher batcher_;
  std::unique_ptr<httplib::Server> http_;
  std::atomic<int64_t> next_id_{0};
  int port_ = 0;
};

}  // namespace ilf::lm
