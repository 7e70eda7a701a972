#include "src/lm/remote_model.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/core/json_parse.h"
#include "src/core/log.h"
#include "src/lm/openai_protocol.h"
#include "src/lm/request_journal.h"
#include "src/lm/sampling_seed.h"
#include "src/lm/tokenizer.h"

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

bool IsRemoteModel(const std::string& model) {
  return model.rfind("http://", 0) == 0 || model.rfind("https://", 0) == 0;
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
    if (!IsRetryable(status)) throw Error(fmt::format("{}: {}", where, last_error));
    if (attempt >= options_.max_retries) {
      throw Error(fmt::format("{}: {} (after {} retries; raise --max-retries or check the server)",
                              where, last_error, attempt));
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

namespace {

// Runs fn(i) for i in [0, count) on up to `threads` threads; the first exception stops the rest
// and is rethrown.
template <typename Fn>
void ParallelFor(size_t count, int threads, Fn fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t i; !failed && (i = next++) < count;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  size_t n = std::min<size_t>(count, static_cast<size_t>(std::max(1, threads)));
  for (size_t t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

class RemoteLanguageModel : public LanguageModel {
 public:
  RemoteLanguageModel(const std::string& url, const RemoteOptions& options)
      : options_(options), client_(url, options) {
    if (!options.tokenizer_dir.empty())
      tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::Load(options.tokenizer_dir));
    if (!options.journal_path.empty())
      journal_ = std::make_unique<RequestJournal>(options.journal_path);
    model_name_ = options.model_name;
    if (model_name_.empty()) {
      Json models = client_.Get("/models");
      try {
        model_name_ = ServedModelName(models);
      } catch (const Error& e) {
        throw Error(url + e.what() + "; pass --model-name");
      }
    }
    info_.path = url;
    info_.name = model_name_;
    info_.architecture = "openai-compatible";
    info_.device = "remote";
    if (tokenizer_) {
      info_.vocab_size = tokenizer_->vocab_size();
      info_.eos_token_ids.assign(tokenizer_->stop_ids().begin(), tokenizer_->stop_ids().end());
    }
    LogInfo(
        "remote model {} at {} ({} requests in flight{})", model_name_, url, options.concurrency,
        journal_ ? fmt::format(", {} answers journaled in {}", journal_->size(), journal_->path())
                 : "");
  }

  std::vector<Sample> Generate(const std::vector<std::vector<int64_t>>& prompts,
                               const GenerateOptions& options, const StopFn& stop,
                               const ProgressFn& progress) override {
    if (!options.prompt_seeds.empty() && options.prompt_seeds.size() != prompts.size())
      throw Error("prompt_seeds: one per prompt");
    std::vector<std::vector<Sample>> per_prompt(prompts.size());
    std::atomic<int64_t> finished{0};
    std::mutex progress_mutex;
    ParallelFor(prompts.size(), options_.concurrency, [&](size_t i) {
      CompletionRequest r;
      r.model = model_name_;
      r.prompts = {PromptInput{prompts[i], "", false}};
      r.n = options.n;
      r.temperature = options.temperature;
      r.top_p = options.top_p;
      r.top_k = options.top_k;
      r.max_tokens = options.max_new_tokens;
      r.seed = options.prompt_seeds.empty() ? PromptSeed(options.seed, i) : options.prompt_seeds[i];
      r.logprobs = 0;
      r.ignore_eos = options.ignore_eos;
      r.stop_token_ids = options.eos_token_ids;
      r.return_tokens_as_token_ids = true;
      CompletionResponse answer = ParseCompletionResponse(Ask(CompletionRequestJson(r)));
      per_prompt[i] = ToSamples(answer, static_cast<int64_t>(i), options.n, stop);
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(finished += options.n);
      }
    });
    std::vector<Sample> samples;
    for (auto& group : per_prompt) {
      for (Sample& s : group) samples.push_back(std::move(s));
    }
    return samples;
  }

  std::vector<ScoreResult> Score(const std::vector<ScoreRequest>& requests) override {
    std::vector<ScoreResult> results(requests.size());
    ParallelFor(requests.size(), options_.concurrency, [&](size_t i) {
      const ScoreRequest& q = requests[i];
      if (q.prompt.empty()) throw Error(fmt::format("score request {}: empty prompt", i));
      CompletionRequest r;
      r.model = model_name_;
      PromptInput all{q.prompt, "", false};
      all.ids.insert(all.ids.end(), q.continuation.begin(), q.continuation.end());
      r.prompts = {all};
      r.max_tokens = 0;
      r.temperature = 0;
      r.echo = true;
      r.logprobs = 0;
      r.return_tokens_as_token_ids = true;
      CompletionResponse answer = ParseCompletionResponse(Ask(CompletionRequestJson(r)));
      const std::string refusal = fmt::format(
          "{} cannot score: its answer to echo + logprobs with max_tokens 0 ", client_.url());
      if (answer.choices.empty() || !answer.choices[0].has_logprobs)
        throw Error(refusal +
                    "carries no log-probs (vLLM and `ilf serve` can; OpenAI's chat "
                    "models and SGLang without echo support cannot)");
      const auto& lps = answer.choices[0].token_logprobs;
      if (lps.size() != all.ids.size()) {
        throw Error(refusal + fmt::format("has {} token log-probs for {} prompt tokens", lps.size(),
                                          all.ids.size()));
      }
      ScoreResult& out = results[i];
      for (size_t k = q.prompt.size(); k < lps.size(); ++k) {
        if (!lps[k]) throw Error(refusal + fmt::format("has a null log-prob at token {}", k));
        out.token_logprobs.push_back(*lps[k]);
        out.logprob += *lps[k];
      }
    });
    return results;
  }

  std::vector<std::vector<double>> NextTokenLogprobs(
      const std::vector<std::vector<int64_t>>& prompts,
      const std::vector<int64_t>& candidates) override {
    std::vector<ScoreRequest> requests;
    for (const auto& p : prompts) {
      for (int64_t c : candidates) requests.push_back({p, {c}});
    }
    std::vector<ScoreResult> scores = Score(requests);
    std::vector<std::vector<double>> out(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      for (size_t c = 0; c < candidates.size(); ++c)
        out[i].push_back(scores[i * candidates.size() + c].logprob);
    }
    return out;
  }

  const ModelInfo& info() const override { return info_; }

 private:
  // The journal's answer to `body`, else the server's (journaled as it arrives).
  Json Ask(const Json& body) {
    if (journal_) {
      if (std::optional<Json> known = journal_->Find(body)) return *known;
    }
    Json answer = client_.Post("/completions", body);
    if (journal_) journal_->Append(body, answer);
    return answer;
  }

  std::vector<int64_t> IdsOf(const CompletionChoice& c) const {
    if (!c.token_ids.empty() || c.text.empty()) return c.token_ids;
    if (!tokenizer_) {
      throw Error(client_.url() +
                  " answered text without token ids (no return_tokens_as_token_ids); pass "
                  "--tokenizer DIR (the served model's tokenizer) to re-encode it");
    }
    std::vector<int32_t> ids = tokenizer_->Encode(c.text);
    return std::vector<int64_t>(ids.begin(), ids.end());
  }

  std::vector<Sample> ToSamples(const CompletionResponse& answer, int64_t prompt_index, int64_t n,
                                const StopFn& stop) const {
    if (static_cast<int64_t>(answer.choices.size()) != n) {
      throw Error(
          fmt::format("{}: {} choices for n = {}", client_.url(), answer.choices.size(), n));
    }
    std::vector<Sample> samples;
    for (const CompletionChoice& c : answer.choices) {
      Sample s;
      s.prompt_index = prompt_index;
      s.sample_id = static_cast<int64_t>(samples.size());
      s.completion_ids = IdsOf(c);
      s.finish_reason = c.finish_reason == "length" ? "length" : "eos";
      bool ids_from_server = c.token_ids.size() == s.completion_ids.size();
      if (stop) {  // the first prefix the StopFn accepts ends the sample, as in-process
        std::vector<int64_t> prefix;
        for (int64_t id : s.completion_ids) {
          prefix.push_back(id);
          if (stop(prompt_index, prefix)) {
            s.completion_ids = prefix;
            s.finish_reason = "stop";
            break;
          }
        }
      }
      if (ids_from_server && c.token_logprobs.size() >= s.completion_ids.size()) {
        for (size_t k = 0; k < s.completion_ids.size(); ++k) {
          double lp = c.token_logprobs[k].value_or(0.0);
          s.token_logprobs.push_back(lp);
          s.logprob += lp;
        }
      }
      samples.push_back(std::move(s));
    }
    return samples;
  }

  RemoteOptions options_;
  OpenAiClient client_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<RequestJournal> journal_;
  std::string model_name_;
  ModelInfo info_;
};

}  // namespace

std::unique_ptr<LanguageModel> MakeRemoteLanguageModel(const std::string& url,
                                                       const RemoteOptions& options) {
  return std::make_unique<RemoteLanguageModel>(url, options);
}

}  // namespace ilf::lm
