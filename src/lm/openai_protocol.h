// The OpenAI-compatible completions protocol (/v1/completions, /v1/chat/completions) as plain
// structs and pure conversions, shared by `ilf serve` (src/lm/serve.h) and the remote engine
// (src/lm/remote_model.h). No I/O here: everything is JSON in, structs out, and back.
//
// Fields beyond OpenAI's that vLLM (and `ilf serve`) accept and `ilf` relies on:
//   top_k, ignore_eos, stop_token_ids, and return_tokens_as_token_ids (the logprobs' tokens come
//   back as "token_id:ID", so a client gets the server's exact token ids, not a re-tokenization).
// A prompt is a string, a list of strings, a list of token ids, or a list of such lists.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ilf::lm {

// One prompt: token ids, or text for the server to tokenize.
struct PromptInput {
  std::vector<int64_t> ids;  // used when !is_text
  std::string text;          // used when is_text
  bool is_text = false;
};

struct CompletionRequest {
  std::string model;                    // the served model's name
  std::vector<PromptInput> prompts;     // at least one
  int64_t n = 1;                        // samples per prompt
  double temperature = 1.0;             // OpenAI's default; 0 = greedy
  double top_p = 1.0;                   // nucleus mass; 1 = off
  int64_t top_k = 0;                    // vLLM's; 0 or -1 = off
  int64_t max_tokens = 16;              // new tokens per sample at most (OpenAI's default)
  std::vector<std::string> stop;        // stop strings; the text ends before the first one
  std::vector<int64_t> stop_token_ids;  // extra end ids (vLLM's)
  std::optional<uint64_t> seed;         // fixes the draws; absent: a fresh random seed
  std::optional<int64_t> logprobs;      // return each token's log-prob (only 0 is supported)
  bool echo = false;                    // return the prompt (and its log-probs) before the answer
  bool ignore_eos = false;              // vLLM's: generate past end-of-text ids
  bool return_tokens_as_token_ids = false;  // vLLM's: logprobs tokens as "token_id:ID"
};

// The prompts of a "prompt" (or embeddings "input") value: text, a list of texts, a list of ids or
// a list of such lists. Throws ilf::Error naming `field` for anything else.
std::vector<PromptInput> ParsePrompts(const nlohmann::json& value, const std::string& field);

// Parses a /v1/completions body. Throws ilf::Error naming the field for a malformed or unsupported
// one (the server answers 400 with it).
CompletionRequest ParseCompletionRequest(const nlohmann::json& body);
// The /v1/completions body of `request` (what the remote engine sends).
nlohmann::json CompletionRequestJson(const CompletionRequest& request);

struct CompletionChoice {
  int64_t index = 0;                // prompt_index * n + sample index
  std::string text;                 // the completion (after the prompt when echo)
  std::vector<int64_t> token_ids;   // the tokens (when known to the sender)
  std::vector<std::string> tokens;  // their text (when not sent as ids)
  std::vector<std::optional<double>>
      token_logprobs;         // with logprobs; null for a first prompt token
  bool has_logprobs = false;  // the choice carried a logprobs object
  std::string finish_reason;  // "stop" or "length"
};

struct CompletionResponse {
  std::string id;                         // "cmpl-..."
  std::string model;                      // the served model's name
  std::vector<CompletionChoice> choices;  // ordered by index
  int64_t prompt_tokens = 0;              // usage
  int64_t completion_tokens = 0;          // usage
};

// The JSON body of a /v1/completions answer. With `tokens_as_ids`, logprobs tokens are written as
// "token_id:ID".
nlohmann::json CompletionResponseJson(const CompletionResponse& response, bool tokens_as_ids);
// Parses a /v1/completions answer: "token_id:ID" tokens become token_ids. Throws ilf::Error naming
// the field for a malformed one.
CompletionResponse ParseCompletionResponse(const nlohmann::json& body);

// The first model a /v1/models answer lists ({"data": [{"id": NAME}, ...]}). Throws ilf::Error when
// it lists none.
std::string ServedModelName(const nlohmann::json& models);

// A /v1/chat/completions body: its messages (role, content) and the sampling fields above.
// OpenAI's "logprobs": true sets sampling.logprobs to 0 (top_logprobs other than 0 is refused).
struct ChatRequest {
  std::vector<std::pair<std::string, std::string>> messages;  // (role, content)
  CompletionRequest sampling;  // prompts empty; max_tokens from max_tokens/max_completion_tokens
};
ChatRequest ParseChatRequest(const nlohmann::json& body);
// The /v1/chat/completions body of `request` (what the remote engine sends).
nlohmann::json ChatRequestJson(const ChatRequest& request);
// The chat answer of completion choices (message.content = text); with logprobs, OpenAI's
// logprobs.content list of {token, logprob, bytes, top_logprobs}, tokens as "token_id:ID" when
// `tokens_as_ids`.
nlohmann::json ChatResponseJson(const CompletionResponse& response, bool tokens_as_ids);
// Parses a /v1/chat/completions answer into completion choices (text = message.content, "" when
// null); logprobs.content tokens spelled "token_id:ID" become token_ids. Throws ilf::Error naming
// the field for a malformed one.
CompletionResponse ParseChatResponse(const nlohmann::json& body);

// An OpenAI-style error body: {"error": {"message", "type", "code"}}.
nlohmann::json ErrorJson(const std::string& message, const std::string& type, int code);

}  // namespace ilf::lm
