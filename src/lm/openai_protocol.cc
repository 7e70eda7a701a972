#include "src/lm/openai_protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "src/core/error.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;

constexpr char kTokenIdPrefix[] = "token_id:";

Json UsageJson(const CompletionResponse& r) {
  return {{"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"total_tokens", r.prompt_tokens + r.completion_tokens}};
}

[[noreturn]] void Bad(const std::string& field, const std::string& why) {
  throw Error(fmt::format("request field '{}': {}", field, why));
}

PromptInput PromptOf(const Json& value, const std::string& field) {
  PromptInput prompt;
  if (value.is_string()) {
    prompt.is_text = true;
    prompt.text = value.get<std::string>();
    return prompt;
  }
  if (!value.is_array() || value.empty()) Bad(field, "expected text or a non-empty list of ids");
  for (const Json& id : value) {
    if (!id.is_number_integer()) Bad(field, "token id " + id.dump() + " is not an integer");
    prompt.ids.push_back(id.get<int64_t>());
  }
  return prompt;
}

// Whether `v` holds only integers where T does: nlohmann's get<int64_t>() of 1e300 is a
// float-to-integer cast out of range (undefined behaviour), so integer fields refuse floats.
template <typename T>
bool IntegersWhereNeeded(const Json& v) {
  if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    return !v.is_array() ||
           std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_number_integer(); });
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return !v.is_number() || v.is_number_integer();
  }
  return true;
}

template <typename T>
T Get(const Json& body, const char* field, T fallback) {
  if (!body.contains(field) || body[field].is_null()) return fallback;
  if (!IntegersWhereNeeded<T>(body[field])) Bad(field, "expected integers: " + body[field].dump());
  try {
    return body[field].get<T>();
  } catch (const Json::exception&) {
    Bad(field, "wrong type: " + body[field].dump());
  }
}

// The sampling fields shared by completions and chat.
void ParseSampling(const Json& body, CompletionRequest* r) {
  r->model = Get<std::string>(body, "model", "");
  r->n = Get<int64_t>(body, "n", 1);
  r->temperature = Get<double>(body, "temperature", 1.0);
  r->top_p = Get<double>(body, "top_p", 1.0);
  r->top_k = Get<int64_t>(body, "top_k", 0);
  r->max_tokens = Get<int64_t>(body, "max_tokens", r->max_tokens);
  if (body.contains("stop") && body["stop"].is_string()) {
    r->stop = {body["stop"].get<std::string>()};
  } else {
    r->stop = Get<std::vector<std::string>>(body, "stop", {});
  }
  r->stop_token_ids = Get<std::vector<int64_t>>(body, "stop_token_ids", {});
  if (body.contains("seed") && !body["seed"].is_null()) {
    if (!body["seed"].is_number_integer()) Bad("seed", "expected an integer");
    r->seed = body["seed"].is_number_unsigned()
                  ? body["seed"].get<uint64_t>()
                  : static_cast<uint64_t>(body["seed"].get<int64_t>());
  }
  r->ignore_eos = Get<bool>(body, "ignore_eos", false);
  if (r->n < 1) Bad("n", fmt::format("{} (expected >= 1)", r->n));
  if (r->temperature < 0) Bad("temperature", fmt::format("{} (expected >= 0)", r->temperature));
  if (r->top_p <= 0 || r->top_p > 1) Bad("top_p", fmt::format("{} (expected (0, 1])", r->top_p));
  if (r->top_k < -1) Bad("top_k", fmt::format("{} (expected -1, 0 or more)", r->top_k));
  if (r->top_k == -1) r->top_k = 0;
  if (r->max_tokens < 0) Bad("max_tokens", fmt::format("{} (expected >= 0)", r->max_tokens));
}

// The fields both request bodies carry beyond their prompt or messages, as the remote engine sends
// them: vLLM's extensions only when set, so a hosted API that refuses unknown fields accepts it.
Json SamplingJson(const CompletionRequest& r) {
  Json body = {{"model", r.model},
               {"n", r.n},
               {"temperature", r.temperature},
               {"top_p", r.top_p},
               {"max_tokens", r.max_tokens}};
  if (r.top_k > 0) body["top_k"] = r.top_k;
  if (!r.stop.empty()) body["stop"] = r.stop;
  if (!r.stop_token_ids.empty()) body["stop_token_ids"] = r.stop_token_ids;
  if (r.seed) body["seed"] = *r.seed;
  if (r.ignore_eos) body["ignore_eos"] = true;
  if (r.return_tokens_as_token_ids) body["return_tokens_as_token_ids"] = true;
  return body;
}

// One answered token: "token_id:ID" gives its id (vLLM's return_tokens_as_token_ids); any other
// spelling clears *all_ids, and the choice's token_ids are dropped at the end.
void AddToken(const std::string& token, std::optional<double> logprob, CompletionChoice* choice,
              bool* all_ids) {
  choice->tokens.push_back(token);
  choice->token_logprobs.push_back(logprob);
  if (token.rfind(kTokenIdPrefix, 0) != 0) {
    *all_ids = false;
    return;
  }
  try {
    choice->token_ids.push_back(std::stoll(token.substr(sizeof(kTokenIdPrefix) - 1)));
  } catch (const std::exception&) {
    throw Error("server answer: token '" + token.substr(0, 80) + "' is not token_id:INTEGER");
  }
}

void SortByIndex(std::vector<CompletionChoice>* choices) {
  std::stable_sort(
      choices->begin(), choices->end(),
      [](const CompletionChoice& a, const CompletionChoice& b) { return a.index < b.index; });
}

// Optional fields of an answer, read without nlohmann's type errors or float-to-int casts.
std::string TextField(const Json& in, const char* key) {
  auto it = in.find(key);
  return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t IntegerField(const Json& in, const char* key, int64_t fallback) {
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) {
    throw Error(std::string("server answer: '") + key +
                "' is not an integer: " + it->dump().substr(0, 80));
  }
  return it->get<int64_t>();
}

// An answer's id and model, after checking it has a 'choices' list.
CompletionResponse ResponseHead(const Json& body) {
  if (!body.is_object() || !body.contains("choices") || !body["choices"].is_array())
    throw Error("server answer: no 'choices' list");
  CompletionResponse r;
  r.id = TextField(body, "id");
  r.model = TextField(body, "model");
  return r;
}

void ReadUsage(const Json& body, CompletionResponse* r) {
  if (body.contains("usage") && body["usage"].is_object()) {
    r->prompt_tokens = IntegerField(body["usage"], "prompt_tokens", 0);
    r->completion_tokens = IntegerField(body["usage"], "completion_tokens", 0);
  }
}

}  // namespace

std::vector<PromptInput> ParsePrompts(const Json& value, const std::string& field) {
  std::vector<PromptInput> prompts;
  if (value.is_array() && !value.empty() && (value[0].is_string() || value[0].is_array())) {
    for (const Json& one : value) prompts.push_back(PromptOf(one, field));
  } else {
    prompts.push_back(PromptOf(value, field));
  }
  return prompts;
}

CompletionRequest ParseCompletionRequest(const Json& body) {
  if (!body.is_object()) Bad("(body)", "expected a JSON object");
  CompletionRequest r;
  ParseSampling(body, &r);
  if (!body.contains("prompt")) Bad("prompt", "missing");
  r.prompts = ParsePrompts(body["prompt"], "prompt");
  if (body.contains("logprobs") && !body["logprobs"].is_null()) {
    r.logprobs = Get<int64_t>(body, "logprobs", 0);
    if (*r.logprobs != 0) {
      Bad("logprobs", fmt::format("{}: only 0 (each chosen token's log-prob) is supported, not "
                                  "top alternatives",
                                  *r.logprobs));
    }
  }
  r.echo = Get<bool>(body, "echo", false);
  r.return_tokens_as_token_ids = Get<bool>(body, "return_tokens_as_token_ids", false);
  return r;
}

Json CompletionRequestJson(const CompletionRequest& r) {
  Json prompts = Json::array();
  for (const PromptInput& p : r.prompts) prompts.push_back(p.is_text ? Json(p.text) : Json(p.ids));
  Json body = SamplingJson(r);
  body["echo"] = r.echo;
  body["prompt"] = prompts.size() == 1 ? prompts[0] : prompts;
  if (r.logprobs) body["logprobs"] = *r.logprobs;
  return body;
}

Json CompletionResponseJson(const CompletionResponse& response, bool tokens_as_ids) {
  Json choices = Json::array();
  for (const CompletionChoice& c : response.choices) {
    Json choice = {{"index", c.index},
                   {"text", c.text},
                   {"finish_reason", c.finish_reason},
                   {"logprobs", nullptr}};
    if (c.has_logprobs) {
      Json tokens = Json::array(), logprobs = Json::array();
      for (size_t i = 0; i < c.token_logprobs.size(); ++i) {
        tokens.push_back(tokens_as_ids || i >= c.tokens.size()
                             ? kTokenIdPrefix + std::to_string(c.token_ids[i])
                             : c.tokens[i]);
        logprobs.push_back(c.token_logprobs[i] ? Json(*c.token_logprobs[i]) : Json(nullptr));
      }
      choice["logprobs"] = {{"tokens", tokens},
                            {"token_logprobs", logprobs},
                            {"top_logprobs", nullptr},
                            {"text_offset", nullptr}};
    }
    choices.push_back(choice);
  }
  return {{"id", response.id},
          {"object", "text_completion"},
          {"model", response.model},
          {"choices", choices},
          {"usage", UsageJson(response)}};
}

CompletionResponse ParseCompletionResponse(const Json& body) {
  auto bad = [](const std::string& what) -> Error { return Error("server answer: " + what); };
  CompletionResponse r = ResponseHead(body);
  for (const Json& c : body["choices"]) {
    if (!c.is_object() || !c.contains("text") || !c["text"].is_string())
      throw bad("a choice without 'text': " + c.dump().substr(0, 200));
    CompletionChoice choice;
    choice.index = IntegerField(c, "index", static_cast<int64_t>(r.choices.size()));
    choice.text = c["text"].get<std::string>();
    choice.finish_reason = TextField(c, "finish_reason");
    if (c.contains("logprobs") && c["logprobs"].is_object()) {
      const Json& lp = c["logprobs"];
      if (!lp.contains("tokens") || !lp.contains("token_logprobs") || !lp["tokens"].is_array() ||
          !lp["token_logprobs"].is_array() || lp["tokens"].size() != lp["token_logprobs"].size())
        throw bad("choice " + std::to_string(choice.index) + ": logprobs without matching tokens");
      choice.has_logprobs = true;
      bool all_ids = true;
      for (size_t k = 0; k < lp["tokens"].size(); ++k) {
        const Json& t = lp["tokens"][k];
        const Json& v = lp["token_logprobs"][k];
        AddToken(t.is_string() ? t.get<std::string>() : "",
                 v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt, &choice,
                 &all_ids);
      }
      if (!all_ids) choice.token_ids.clear();
    }
    r.choices.push_back(std::move(choice));
  }
  SortByIndex(&r.choices);
  ReadUsage(body, &r);
  return r;
}

std::string ServedModelName(const Json& models) {
  const Json* data = models.is_object() && models.contains("data") ? &models["data"] : nullptr;
  if (!data || !data->is_array() || data->empty() || !(*data)[0].is_object() ||
      !(*data)[0].contains("id") || !(*data)[0]["id"].is_string() ||
      (*data)[0]["id"].get_ref<const std::string&>().empty())
    throw Error("/models lists no model (expected {\"data\": [{\"id\": NAME}, ...]})");
  return (*data)[0]["id"].get<std::string>();
}

ChatRequest ParseChatRequest(const Json& body) {
  if (!body.is_object()) Bad("(body)", "expected a JSON object");
  ChatRequest r;
  ParseSampling(body, &r.sampling);
  r.sampling.max_tokens = Get<int64_t>(body, "max_completion_tokens", r.sampling.max_tokens);
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
    Bad("messages", "expected a non-empty list of {role, content}");
  for (const Json& m : body["messages"]) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
        !m["content"].is_string())
      Bad("messages", "each message needs string 'role' and 'content': " + m.dump());
    r.messages.emplace_back(m["role"].get<std::string>(), m["content"].get<std::string>());
  }
  if (Get<bool>(body, "logprobs", false)) r.sampling.logprobs = 0;
  if (int64_t top = Get<int64_t>(body, "top_logprobs", 0); top != 0) {
    Bad("top_logprobs",
        fmt::format("{}: only 0 (each chosen token's log-prob) is supported, not top alternatives",
                    top));
  }
  r.sampling.return_tokens_as_token_ids = Get<bool>(body, "return_tokens_as_token_ids", false);
  return r;
}

Json ChatRequestJson(const ChatRequest& r) {
  Json body = SamplingJson(r.sampling);
  Json messages = Json::array();
  for (const auto& [role, content] : r.messages)
    messages.push_back({{"role", role}, {"content", content}});
  body["messages"] = messages;
  if (r.sampling.logprobs) body["logprobs"] = true;
  return body;
}

Json ChatResponseJson(const CompletionResponse& response, bool tokens_as_ids) {
  Json choices = Json::array();
  for (const CompletionChoice& c : response.choices) {
    Json logprobs = nullptr;
    if (c.has_logprobs) {
      Json content = Json::array();
      for (size_t i = 0; i < c.token_logprobs.size(); ++i) {
        bool as_id = tokens_as_ids || i >= c.tokens.size();
        std::string token = as_id ? kTokenIdPrefix + std::to_string(c.token_ids[i]) : c.tokens[i];
        Json bytes = Json::array();
        for (unsigned char b : token) bytes.push_back(static_cast<int>(b));
        content.push_back({{"token", token},
                           {"logprob", c.token_logprobs[i] ? Json(*c.token_logprobs[i]) : Json()},
                           {"bytes", as_id ? Json() : bytes},
                           {"top_logprobs", Json::array()}});
      }
      logprobs = {{"content", content}};
    }
    choices.push_back({{"index", c.index},
                       {"message", {{"role", "assistant"}, {"content", c.text}}},
                       {"logprobs", logprobs},
                       {"finish_reason", c.finish_reason}});
  }
  return {{"id", response.id},
          {"object", "chat.completion"},
          {"model", response.model},
          {"choices", choices},
          {"usage", UsageJson(response)}};
}

CompletionResponse ParseChatResponse(const Json& body) {
  auto bad = [](const std::string& what) -> Error { return Error("server answer: " + what); };
  CompletionResponse r = ResponseHead(body);
  for (const Json& c : body["choices"]) {
    if (!c.is_object() || !c.contains("message") || !c["message"].is_object())
      throw bad("a choice without 'message': " + c.dump().substr(0, 200));
    const Json& message = c["message"];
    auto content = message.find("content");
    if (content != message.end() && !content->is_string() && !content->is_null())
      throw bad("a message whose 'content' is not text: " + content->dump().substr(0, 200));
    CompletionChoice choice;
    choice.index = IntegerField(c, "index", static_cast<int64_t>(r.choices.size()));
    choice.text = TextField(message, "content");  // null (a refusal, a tool call): empty
    choice.finish_reason = TextField(c, "finish_reason");
    if (c.contains("logprobs") && c["logprobs"].is_object()) {
      const Json& lp = c["logprobs"];
      if (!lp.contains("content") || !lp["content"].is_array())
        throw bad("choice " + std::to_string(choice.index) + ": logprobs without a 'content' list");
      choice.has_logprobs = true;
      bool all_ids = true;
      for (const Json& t : lp["content"]) {
        if (!t.is_object() || !t.contains("token") || !t["token"].is_string())
          throw bad("choice " + std::to_string(choice.index) + ": a logprob entry without 'token'");
        auto v = t.find("logprob");
        AddToken(
            t["token"].get<std::string>(),
            v != t.end() && v->is_number() ? std::optional<double>(v->get<double>()) : std::nullopt,
            &choice, &all_ids);
      }
      if (!all_ids) choice.token_ids.clear();
    }
    r.choices.push_back(std::move(choice));
  }
  SortByIndex(&r.choices);
  ReadUsage(body, &r);
  return r;
}

Json ErrorJson(const std::string& message, const std::string& type, int code) {
  return {{"error", {{"message", message}, {"type", type}, {"code", code}}}};
}

}  // namespace ilf::lm
