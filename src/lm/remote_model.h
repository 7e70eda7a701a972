// The remote engine: a LanguageModel served by an OpenAI-compatible server (vLLM, SGLang,
// llama.cpp's server, `ilf serve`) at `http(s)://HOST:PORT/v1`. Torch-free.
//
// Theory of operation. Generate sends one /v1/completions request per prompt (its n samples
// together), prompt as token ids, asking for each token's log-prob with tokens as ids (vLLM's
// return_tokens_as_token_ids), so completions come back as the server's own token ids; a server
// that answers text only has it re-encoded with RemoteOptions::tokenizer_dir. Prompt i is seeded
// PromptSeed(seed, i) (src/lm/sampling_seed.h), which `ilf serve` draws exactly as an in-process
// run does. The StopFn is applied to the returned tokens (the first prefix it accepts ends the
// sample), as the in-process engine applies it while decoding. Score sends prompt + continuation
// with echo, max_tokens 0 and logprobs 0 and reads the continuation's log-probs; a server that
// answers without them is refused with a clear error. NextTokenLogprobs scores each candidate.
//
// Up to `concurrency` requests are in flight (one thread each). A request is retried after 429,
// 5xx, a dropped connection or a timeout (request_timeout_s) with exponential backoff and full
// jitter (a 429's Retry-After is honoured, capped at backoff_max_s); other 4xx answers fail at
// once with the server's message. Every answer is appended to the journal (RemoteOptions::
// journal_path) as it arrives; a rerun finds it there and does not ask again.
//
// The API key (ILF_API_KEY) is sent as "Authorization: Bearer" and never logged or written.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "src/lm/language_model.h"

namespace ilf::lm {

// The parts of an endpoint URL: "http://h:8000/v1" -> {"http://h:8000", "/v1"}.
struct Endpoint {
  std::string origin;     // scheme://host:port
  std::string base_path;  // path prefix without a trailing '/', e.g. "/v1"
};
// Throws ilf::Error for anything but http(s)://HOST[:PORT][/PATH].
Endpoint ParseEndpoint(const std::string& url);

// Whether an HTTP status (0: no answer: connection refused, dropped or timed out) is worth a retry.
bool IsRetryable(int status);
// Seconds to wait before retry `attempt` (1-based): a uniform draw in [0, min(max_s, initial_s *
// 2^(attempt-1))] (full jitter), or the server's Retry-After (seconds, < 0 when absent) capped at
// max_s. `uniform` is in [0, 1).
double BackoffSeconds(int attempt, double initial_s, double max_s, double retry_after_s,
                      double uniform);

// JSON over HTTP with retries, pooled keep-alive connections and the API key. Thread-safe.
class OpenAiClient {
 public:
  OpenAiClient(const std::string& url, const RemoteOptions& options);
  ~OpenAiClient();
  OpenAiClient(const OpenAiClient&) = delete;
  OpenAiClient& operator=(const OpenAiClient&) = delete;

  // POSTs `body` to base_path + path ("/completions"); returns the answer's JSON. Throws
  // ilf::Error naming the URL and status when retries are exhausted or the server refuses.
  nlohmann::json Post(const std::string& path, const nlohmann::json& body) const;
  nlohmann::json Get(const std::string& path) const;
  int64_t retries() const;  // retries made so far
  const std::string& url() const { return url_; }

 private:
  struct Pool;
  nlohmann::json Send(const std::string& method, const std::string& path,
                      const nlohmann::json* body) const;

  std::string url_;
  Endpoint endpoint_;
  RemoteOptions options_;
  std::string api_key_;
  std::unique_ptr<Pool> pool_;
  mutable std::atomic<int64_t> retries_{0};
};

// Connects to `url` (asks /v1/models for the model name when options.model_name is empty).
std::unique_ptr<LanguageModel> MakeRemoteLanguageModel(const std::string& url,
                                                       const RemoteOptions& options);

}  // namespace ilf::lm
