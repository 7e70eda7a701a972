#include "src/lm/openai_client.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/core/interrupt.h"
#include "src/core/json_parse.h"
#include "src/core/log.h"

namespace ilf::lm {

using Json = nlohmann::json;

Endpoint ParseEndpoint(const std::string& url) {
  size_t scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    throw Error("model endpoint '" + url + "': expected http(s)://HOST[:PORT][/PATH], e.g. " +
                "http://127.0.0.1:8000/v1");
  }
  size_t path_start = url.find('/', scheme_end + 3);
  Endpoint e;
  e.origin = url.substr(0, path_start);
  if (e.origin.size() <= scheme_end + 3) throw Error("model endpoint '" + url + "': no host");
  e.base_path = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  return e;
}

bool IsRetryable(int status) {
  return status == 0 || status == 408 || status == 429 || (status >= 500 && status <= 599);
}

double BackoffSeconds(int attempt, double initial_s, double max_s, double retry_after_s,
                      double uniform) {
  if (retry_after_s >= 0) return std::min(retry_after_s, max_s);
  double ceiling = std::min(max_s, initial_s * std::pow(2.0, std::max(0, attempt - 1)));
  return uniform * ceiling;
}

// Keep-alive connections, one per request in flight; a failed one is dropped, not reused.
struct OpenAiClient::Pool {
  std::mutex mutex;
  std::vector<std::unique_ptr<httplib::Client>> idle;
};

OpenAiClient::OpenAiClient(const std::string& url, const RemoteOptions& options)
    : url_(url), endpoint_(ParseEndpoint(url)), options_(options), pool_(std::make_unique<Pool>()) {
  if (const char* key = std::getenv("ILF_API_KEY")) api_key_ = key;
}

OpenAiClient::~OpenAiClient() = default;

int64_t OpenAiClient::retries() const { return retries_.load(); }

Json OpenAiClient::Post(const std::string& path, const Json& body) const {
  return Send("POST", path, &body);
}

Json OpenAiClient::Get(const std::string& path) const { return Send("GET", path, nullptr); }

Json OpenAiClient::Send(const std::string& method, const std::string& path,
                        const Json* body) const {
  const std::string target = endpoint_.base_path + path;
  const std::string where = fmt::format("{} {}{}", method, endpoint_.origin, target);
  httplib::Headers headers;
  if (!api_key_.empty()) headers.emplace("Authorization", "Bearer " + api_key_);
  const std::string payload = body ? body->dump() : "";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    ThrowIfInterrupted();
    std::unique_ptr<httplib::Client> client;
    {
      std::lock_guard<std::mutex> lock(pool_->mutex);
      if (!pool_->idle.empty()) {
        client = std::move(pool_->idle.back());
        pool_->idle.pop_back();
      }
    }
    if (!client) {
      client = std::make_unique<httplib::Client>(endpoint_.origin);
      auto whole = static_cast<time_t>(options_.request_timeout_s);
      auto micros = static_cast<time_t>((options_.request_timeout_s - whole) * 1e6);
      client->set_connection_timeout(std::min<time_t>(whole, 30), whole < 30 ? micros : 0);
      client->set_read_timeout(whole, micros);
      client->set_write_timeout(whole, micros);
      client->set_keep_alive(true);
    }
    httplib::Result res = body ? client->Post(target, headers, payload, "application/json")
                               : client->Get(target, headers);
    int status = res ? res->status : 0;
    double retry_after = -1;
    if (res && status == 200) {
      {
        std::lock_guard<std::mutex> lock(pool_->mutex);
        pool_->idle.push_back(std::move(client));
      }
      try {  // bounded: a deeply nested answer would overflow the stack in the journal's dump()
        return ParseJson(res->body, "the answer");
      } catch (const Error& e) {
        last_error = std::string(e.what()) + ": " + res->body.substr(0, 200);
        status = 0;  // a truncated answer: retry
      }
    } else if (res) {
      last_error = fmt::format("HTTP {}: {}", status, res->body.substr(0, 500));
      if (res->has_header("Retry-After")) {
        try {
          retry_after = std::stod(res->get_header_value("Retry-After"));
        } catch (const std::exception&) {
          retry_after = -1;
        }
      }
    } else {
      last_error = "no answer (" + httplib::to_string(res.error()) + ")";
    }
    if (!IsRetryable(status))
      throw HttpStatusError(fmt::format("{}: {}", where, last_error), status);
    if (attempt >= options_.max_retries) {
      throw HttpStatusError(
          fmt::format("{}: {} (after {} retries; raise --max-retries or check the server)", where,
                      last_error, attempt),
          status);
    }
    double wait = BackoffSeconds(attempt + 1, options_.backoff_initial_s, options_.backoff_max_s,
                                 retry_after, std::uniform_real_distribution<>(0, 1)(rng));
    LogDebug("{}: {}; retry {} in {:.2f} s", where, last_error, attempt + 1, wait);
    retries_++;
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait);
    while (std::chrono::steady_clock::now() < until) {  // sleep, but answer Ctrl-C
      ThrowIfInterrupted();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace ilf::lm
