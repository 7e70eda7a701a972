#include "src/lm/remote_model.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/log.h"
#include "src/lm/chat.h"
#include "src/lm/openai_embeddings.h"
#include "src/lm/openai_protocol.h"
#include "src/lm/request_journal.h"
#include "src/lm/sampling_seed.h"
#include "src/lm/tokenizer.h"

namespace ilf::lm {

using Json = nlohmann::json;

bool IsRemoteModel(const std::string& model) {
  return model.rfind("http://", 0) == 0 || model.rfind("https://", 0) == 0;
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

// Cuts `ids` after the first prefix `stop` accepts, as the in-process engine stops while decoding.
// Returns whether it cut.
bool CutAtStop(const StopFn& stop, int64_t index, std::vector<int64_t>* ids) {
  if (!stop) return false;
  std::vector<int64_t> prefix;
  for (int64_t id : *ids) {
    prefix.push_back(id);
    if (stop(index, prefix)) {
      *ids = std::move(prefix);
      return true;
    }
  }
  return false;
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
      CompletionRequest r = SamplingRequest(options, i);
      r.prompts = {PromptInput{prompts[i], "", false}};
      r.logprobs = 0;
      r.return_tokens_as_token_ids = true;
      CompletionResponse answer = Parsed(ParseCompletionResponse, "/completions",
                                         Ask("/completions", CompletionRequestJson(r)));
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
      CompletionResponse answer = Parsed(ParseCompletionResponse, "/completions",
                                         Ask("/completions", CompletionRequestJson(r)));
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

  std::vector<ChatReply> Chat(const std::vector<Conversation>& conversations,
                              const ChatOptions& options, const Tokenizer* tokenizer,
                              const StopFn& stop) override {
    const GenerateOptions& g = options.generate;
    if (!g.prompt_seeds.empty() && g.prompt_seeds.size() != conversations.size())
      throw Error("prompt_seeds: one per conversation");
    if (!tokenizer) tokenizer = tokenizer_.get();
    std::vector<std::vector<ChatReply>> per_chat(conversations.size());
    ParallelFor(conversations.size(), options_.concurrency, [&](size_t i) {
      ChatRequest r;
      for (const ChatMessage& m : conversations[i]) r.messages.emplace_back(m.role, m.content);
      r.sampling = SamplingRequest(g, i);
      r.sampling.stop = options.stop;
      if (options.logprobs) r.sampling.logprobs = 0;
      r.sampling.return_tokens_as_token_ids = options.logprobs;
      CompletionResponse answer = Parsed(ParseChatResponse, "/chat/completions",
                                         Ask("/chat/completions", ChatRequestJson(r)));
      per_chat[i] = ToReplies(answer, static_cast<int64_t>(i), options, tokenizer, stop);
    });
    std::vector<ChatReply> replies;
    for (auto& group : per_chat) {
      for (ChatReply& r : group) replies.push_back(std::move(r));
    }
    return replies;
  }

  std::vector<std::vector<double>> MeanHiddenStates(
      const std::vector<std::vector<int64_t>>& sequences) override {
    // Batches of kEmbedBatch sequences, `concurrency` batches in flight: `ilf serve` merges
    // concurrent requests into one forward pass anyway.
    constexpr size_t kEmbedBatch = 16;
    std::vector<std::vector<double>> out(sequences.size());
    size_t batches = (sequences.size() + kEmbedBatch - 1) / kEmbedBatch;
    ParallelFor(batches, options_.concurrency, [&](size_t b) {
      EmbeddingRequest r;
      r.model = model_name_;
      size_t begin = b * kEmbedBatch, end = std::min(sequences.size(), begin + kEmbedBatch);
      for (size_t i = begin; i < end; ++i) {
        if (sequences[i].empty()) throw Error(fmt::format("sequence {}: no tokens to embed", i));
        r.inputs.push_back(PromptInput{sequences[i], "", false});
      }
      Json answer;
      try {
        answer = Ask("/embeddings", EmbeddingRequestJson(r));
      } catch (const HttpStatusError& e) {
        if (e.status() != 404 && e.status() != 405) throw;
        throw Error(fmt::format(
            "{}/embeddings: this server does not serve embeddings; serve the model with `ilf "
            "serve` (mean-pooled hidden states), or run the model in process ({})",
            client_.url(), e.what()));
      }
      EmbeddingResponse embeddings = Parsed(ParseEmbeddingResponse, "/embeddings", answer);
      if (embeddings.embeddings.size() != end - begin) {
        throw Error(fmt::format("{}/embeddings: {} embeddings for {} inputs", client_.url(),
                                embeddings.embeddings.size(), end - begin));
      }
      for (size_t i = begin; i < end; ++i) out[i] = std::move(embeddings.embeddings[i - begin]);
    });
    return out;
  }

  const ModelInfo& info() const override { return info_; }

 private:
  // The sampling fields of a request for prompt (or conversation) `i` of a call with `options`.
  CompletionRequest SamplingRequest(const GenerateOptions& options, size_t i) const {
    CompletionRequest r;
    r.model = model_name_;
    r.n = options.n;
    r.temperature = options.temperature;
    r.top_p = options.top_p;
    r.top_k = options.top_k;
    r.max_tokens = options.max_new_tokens;
    r.seed = options.prompt_seeds.empty() ? PromptSeed(options.seed, i) : options.prompt_seeds[i];
    r.ignore_eos = options.ignore_eos;
    r.stop_token_ids = options.eos_token_ids;
    return r;
  }

  // `parse` of the server's answer at `path`; a malformed answer's error names the URL.
  template <typename Parse>
  std::invoke_result_t<Parse, const Json&> Parsed(Parse parse, const std::string& path,
                                                  const Json& answer) const {
    try {
      return parse(answer);
    } catch (const Error& e) {
      throw Error(client_.url() + path + ": " + e.what());
    }
  }

  // The journal's answer to `body` at `path`, else the server's (journaled as it arrives).
  Json Ask(const std::string& path, const Json& body) {
    if (journal_) {
      if (std::optional<Json> known = journal_->Find(body)) return *known;
    }
    Json answer = client_.Post(path, body);
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
      if (CutAtStop(stop, prompt_index, &s.completion_ids)) s.finish_reason = "stop";
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

  // The replies of one chat answer. Token ids come from the server (return_tokens_as_token_ids),
  // else from re-encoding the text with `tokenizer`, else stay empty. The server's "stop" is
  // "eos" unless a stop string (found in the ids' text, or asked for when the ids are unknown)
  // ended the reply; `stop` cuts the ids (and the text, when a tokenizer can decode them).
  std::vector<ChatReply> ToReplies(const CompletionResponse& answer, int64_t index,
                                   const ChatOptions& options, const Tokenizer* tokenizer,
                                   const StopFn& stop) const {
    if (static_cast<int64_t>(answer.choices.size()) != options.generate.n) {
      throw Error(fmt::format("{}/chat/completions: {} choices for n = {}", client_.url(),
                              answer.choices.size(), options.generate.n));
    }
    std::vector<ChatReply> replies;
    for (const CompletionChoice& c : answer.choices) {
      ChatReply r;
      r.conversation_index = index;
      r.sample_id = static_cast<int64_t>(replies.size());
      r.text = c.text;
      bool ids_from_server = !c.token_ids.empty() || (c.has_logprobs && c.tokens.empty());
      r.completion_ids = c.token_ids;
      if (!ids_from_server && tokenizer && !c.text.empty()) {
        std::vector<int32_t> ids = tokenizer->Encode(c.text, /*allow_special=*/false);
        r.completion_ids.assign(ids.begin(), ids.end());
      }
      if (c.finish_reason == "length") {
        r.finish_reason = "length";
      } else if (options.stop.empty()) {
        r.finish_reason = "eos";
      } else if (ids_from_server && tokenizer) {
        bool stopped = false;
        ChatReplyText(*tokenizer, r.completion_ids, options.stop, &stopped);
        r.finish_reason = stopped ? "stop" : "eos";
      } else {
        r.finish_reason = "stop";
      }
      if (CutAtStop(stop, index, &r.completion_ids)) {
        r.finish_reason = "stop";
        if (tokenizer) r.text = ChatReplyText(*tokenizer, r.completion_ids, options.stop);
      }
      if (ids_from_server && c.token_logprobs.size() >= r.completion_ids.size()) {
        for (size_t k = 0; k < r.completion_ids.size(); ++k) {
          r.token_logprobs.push_back(c.token_logprobs[k].value_or(0.0));
          r.logprob += r.token_logprobs.back();
        }
      }
      replies.push_back(std::move(r));
    }
    return replies;
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
