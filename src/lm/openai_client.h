// OpenAiClient: JSON over HTTP(S) to an OpenAI-compatible server, for the remote engine
// (src/lm/remote_model.h): pooled keep-alive connections, the API key (ILF_API_KEY) as
// "Authorization: Bearer", and retries after 429, 5xx, a dropped connection or a timeout with
// exponential backoff and full jitter (a 429's Retry-After honoured, capped). Torch-free. The key
// is never logged.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "src/core/error.h"
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

// What the server answered when it refused a request (or retries ran out): `status` is the HTTP
// status, 0 when no answer came. The message names the method, URL and the server's answer.
class HttpStatusError : public Error {
 public:
  HttpStatusError(const std::string& message, int status) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// JSON over HTTP with retries, pooled keep-alive connections and the API key. Thread-safe.
class OpenAiClient {
 public:
  OpenAiClient(const std::string& url, const RemoteOptions& options);
  ~OpenAiClient();
  OpenAiClient(const OpenAiClient&) = delete;
  OpenAiClient& operator=(const OpenAiClient&) = delete;

  // POSTs `body` to base_path + path ("/completions"); returns the answer's JSON. Throws
  // HttpStatusError naming the URL and status when retries are exhausted or the server refuses.
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

}  // namespace ilf::lm
