#include "src/lm/serve.h"

#include <httplib.h>

#include <cstdlib>
#include <random>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/core/log.h"
#include "src/lm/chat.h"
#include "src/lm/openai_embeddings.h"
#include "src/lm/openai_protocol.h"
#include "src/lm/sampling_seed.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;

// An answer with a status: thrown inside handlers, written by the exception handler.
struct HttpError {
  int status;
  std::string message;
  std::string type;
};

void Reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Bounded: a deeply nested body would overflow the stack in the first copy or dump().
Json ParseBody(const httplib::Request& req) {
  try {
    return ParseJson(req.body, "the body");
  } catch (const Error& e) {
    throw HttpError{400, e.what(), "invalid_request_error"};
  }
}

std::vector<int64_t> PromptIds(const Tokenizer& tokenizer, const PromptInput& prompt) {
  if (!prompt.is_text) return prompt.ids;
  std::vector<int32_t> ids = tokenizer.Encode(prompt.text);
  return std::vector<int64_t>(ids.begin(), ids.end());
}

// The seed of a request without one, as OpenAI and vLLM draw a fresh one.
uint64_t FreshSeed() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// Generation for one parsed request (completions or chat) of already tokenized prompts. A chat
// reply's text leaves special tokens out (ChatReplyText), as vLLM's and the in-process chat's do.
CompletionResponse Complete(ServeBatcher& batcher, const Tokenizer& tokenizer,
                            const CompletionRequest& request,
                            const std::vector<std::vector<int64_t>>& prompts, bool chat = false) {
  GenerateJobSpec spec;
  spec.prompts = prompts;
  GenerateOptions& o = spec.options;
  o.n = request.n;
  o.temperature = request.temperature;
  o.top_k = request.top_k;
  o.top_p = request.top_p;
  o.max_new_tokens = request.max_tokens;
  o.ignore_eos = request.ignore_eos;
  if (!request.stop_token_ids.empty()) {  // vLLM adds these to the model's own end ids
    o.eos_token_ids =
        tokenizer.stop_ids().empty()
            ? std::vector<int64_t>{}
            : std::vector<int64_t>(tokenizer.stop_ids().begin(), tokenizer.stop_ids().end());
    o.eos_token_ids.insert(o.eos_token_ids.end(), request.stop_token_ids.begin(),
                           request.stop_token_ids.end());
  }
  uint64_t seed = request.seed ? *request.seed : FreshSeed();
  for (size_t i = 0; i < prompts.size(); ++i) o.prompt_seeds.push_back(PromptSeed(seed, i));
  spec.stop = request.stop;
  std::vector<Sample> samples = batcher.Generate(std::move(spec));

  CompletionResponse response;
  for (const auto& p : prompts) response.prompt_tokens += static_cast<int64_t>(p.size());
  for (Sample& s : samples) {
    CompletionChoice choice;
    choice.index = s.prompt_index * request.n + s.sample_id;
    bool stopped = false;
    choice.text = chat ? ChatReplyText(tokenizer, s.completion_ids, request.stop, &stopped)
                       : CompletionText(tokenizer, s.completion_ids, request.stop, &stopped);
    bool full = static_cast<int64_t>(s.completion_ids.size()) >= request.max_tokens;
    choice.finish_reason = s.finish_reason == "eos" || stopped || !full ? "stop" : "length";
    response.completion_tokens += static_cast<int64_t>(s.completion_ids.size());
    if (request.logprobs) {
      choice.has_logprobs = true;
      choice.token_ids = s.completion_ids;
      for (double lp : s.token_logprobs) choice.token_logprobs.push_back(lp);
      if (!request.return_tokens_as_token_ids) {
        for (int64_t id : s.completion_ids)
          choice.tokens.push_back(CompletionText(tokenizer, {id}, {}));
      }
    }
    response.choices.push_back(std::move(choice));
  }
  return response;
}

// echo + logprobs with max_tokens 0: each prompt token's log-prob given the ones before it.
CompletionResponse Echo(ServeBatcher& batcher, const Tokenizer& tokenizer,
                        const CompletionRequest& request,
                        const std::vector<std::vector<int64_t>>& prompts) {
  if (request.max_tokens != 0) {
    throw HttpError{400,
                    "echo is supported with max_tokens 0 (scoring a prompt), not with generation",
                    "invalid_request_error"};
  }
  std::vector<ScoreRequest> scored;
  for (const auto& p : prompts) {
    if (p.size() > 1) scored.push_back({{p[0]}, std::vector<int64_t>(p.begin() + 1, p.end())});
  }
  std::vector<ScoreResult> results = batcher.Score(std::move(scored));
  CompletionResponse response;
  size_t next = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const std::vector<int64_t>& p = prompts[i];
    CompletionChoice choice;
    choice.index = static_cast<int64_t>(i);
    choice.text = CompletionText(tokenizer, p, {});
    choice.finish_reason = "length";
    if (request.logprobs) {
      choice.has_logprobs = true;
      choice.token_ids = p;
      choice.token_logprobs.push_back(std::nullopt);
      if (p.size() > 1) {
        for (double lp : results[next++].token_logprobs) choice.token_logprobs.push_back(lp);
      }
      if (!request.return_tokens_as_token_ids) {
        for (int64_t id : p) choice.tokens.push_back(CompletionText(tokenizer, {id}, {}));
      }
    }
    response.prompt_tokens += static_cast<int64_t>(p.size());
    for (int64_t n = 1; n < request.n; ++n) {  // n copies, as vLLM answers echo with n > 1
      CompletionChoice copy = choice;
      copy.index = static_cast<int64_t>(i) * request.n + n;
      response.choices.push_back(std::move(copy));
    }
    choice.index = static_cast<int64_t>(i) * request.n;
    response.choices.push_back(std::move(choice));
  }
  std::stable_sort(
      response.choices.begin(), response.choices.end(),
      [](const CompletionChoice& a, const CompletionChoice& b) { return a.index < b.index; });
  return response;
}

}  // namespace

Server::Server(LanguageModel& model, const Tokenizer& tokenizer, ServeOptions options)
    : tokenizer_(tokenizer),
      options_(std::move(options)),
      batcher_(model, tokenizer, options_.max_batch_rows),
      http_(std::make_unique<httplib::Server>()) {
  if (const char* key = std::getenv("ILF_API_KEY")) api_key_ = key;
  int threads = std::max(1, options_.http_threads);
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_read_timeout(600, 0);
  http_->set_write_timeout(600, 0);
  Routes();
}

Server::~Server() { Stop(); }

int Server::Bind() {
  port_ = options_.port == 0
              ? http_->bind_to_any_port(options_.host)
              : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port_ <= 0) {
    throw Error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                            options_.host, options_.port));
  }
  return port_;
}

void Server::Serve() { http_->listen_after_bind(); }

void Server::Stop() {
  if (http_) http_->stop();
}

void Server::Routes() {
  httplib::Server& http = *http_;
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (api_key_.empty() || req.path == "/health")
      return httplib::Server::HandlerResponse::Unhandled;
    if (req.get_header_value("Authorization") == "Bearer " + api_key_)
      return httplib::Server::HandlerResponse::Unhandled;
    Reply(res, 401,
          ErrorJson("missing or wrong API key (Authorization: Bearer ...)", "authentication_error",
                    401));
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const HttpError& e) {
          Reply(res, e.status, ErrorJson(e.message, e.type, e.status));
        } catch (const Error& e) {  // a malformed request, or a prompt the model refuses
          Reply(res, 400, ErrorJson(e.what(), "invalid_request_error", 400));
        } catch (const std::exception& e) {
          LogError("serve: {}", e.what());
          Reply(res, 500, ErrorJson(e.what(), "internal_error", 500));
        }
      });
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    Json model = {{"id", options_.model_name}, {"object", "model"}, {"owned_by", "ilf"}};
    if (options_.max_model_len > 0) model["max_model_len"] = options_.max_model_len;
    Reply(res, 200, {{"object", "list"}, {"data", Json::array({model})}});
  });
  auto check = [this](const CompletionRequest& r) {
    if (!r.model.empty() && r.model != options_.model_name) {
      throw HttpError{404,
                      fmt::format("The model `{}` does not exist; this server has `{}`", r.model,
                                  options_.model_name),
                      "NotFoundError"};
    }
    if (r.max_tokens > options_.max_tokens_limit) {
      throw HttpError{400,
                      fmt::format("max_tokens {} is above this server's limit {}", r.max_tokens,
                                  options_.max_tokens_limit),
                      "invalid_request_error"};
    }
  };
  http.Post("/v1/completions", [this, check](const httplib::Request& req, httplib::Response& res) {
    CompletionRequest request = ParseCompletionRequest(ParseBody(req));
    check(request);
    std::vector<std::vector<int64_t>> prompts;
    for (const PromptInput& p : request.prompts) prompts.push_back(PromptIds(tokenizer_, p));
    CompletionResponse response = request.echo ? Echo(batcher_, tokenizer_, request, prompts)
                                               : Complete(batcher_, tokenizer_, request, prompts);
    response.id = fmt::format("cmpl-{}", next_id_++);
    response.model = options_.model_name;
    Reply(res, 200, CompletionResponseJson(response, request.return_tokens_as_token_ids));
  });
  http.Post(
      "/v1/chat/completions", [this, check](const httplib::Request& req, httplib::Response& res) {
        ChatRequest chat = ParseChatRequest(ParseBody(req));
        check(chat.sampling);
        Conversation messages;
        for (const auto& [role, content] : chat.messages) messages.push_back({role, content});
        CompletionResponse response =
            Complete(batcher_, tokenizer_, chat.sampling, {ChatPromptIds(tokenizer_, messages)},
                     /*chat=*/true);
        response.id = fmt::format("chatcmpl-{}", next_id_++);
        response.model = options_.model_name;
        Reply(res, 200, ChatResponseJson(response, chat.sampling.return_tokens_as_token_ids));
      });
  http.Post("/v1/embeddings", [this, check](const httplib::Request& req, httplib::Response& res) {
    EmbeddingRequest request = ParseEmbeddingRequest(ParseBody(req));
    CompletionRequest named;
    named.model = request.model;
    check(named);
    std::vector<std::vector<int64_t>> inputs;
    EmbeddingResponse response;
    for (const PromptInput& p : request.inputs) {
      inputs.push_back(PromptIds(tokenizer_, p));
      if (inputs.back().empty()) throw HttpError{400, "an empty input", "invalid_request_error"};
      response.prompt_tokens += static_cast<int64_t>(inputs.back().size());
    }
    response.embeddings = batcher_.Embed(std::move(inputs));
    response.model = options_.model_name;
    Reply(res, 200, EmbeddingResponseJson(response));
  });
}

}  // namespace ilf::lm
