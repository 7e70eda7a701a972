// LanguageModel: what the runner sees of a model (DESIGN.md §3) — generate, chat, score, embed —
// in plain C++ types, with LibTorch hidden behind the implementation (pimpl), so runner code never
// includes torch. Two engines implement it: the in-process LibTorch model (a checkpoint directory)
// and a remote OpenAI-compatible server (`http(s)://HOST:PORT/v1`: vLLM, SGLang, `ilf serve`; see
// src/lm/remote_model.h), both chosen by LoadLanguageModel from the same --model string.
//
// Token ids in, token ids out: text goes through the tokenizer (src/lm/tokenizer*), which the
// caller owns; stop strings are a StopFn that decodes (see runner/cmd_generate.cc). The remote
// engine sends token ids and asks for token ids back (vLLM's return_tokens_as_token_ids), so both
// engines see the same ids. Chat is the one text-level call: messages in, reply text (and ids
// where known) out, so a remote chat model needs no local tokenizer (the server applies its chat
// template); in process it goes through the caller's tokenizer.
// Thread safety: one call at a time per object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/lm/chat_template.h"
#include "src/lm/generation_stats.h"

namespace ilf::lm {

class Tokenizer;

// How the remote engine talks to an OpenAI-compatible server (ignored for a checkpoint directory).
// The API key comes from the environment (ILF_API_KEY) only, so it never sits in a config, a log
// or an artifact.
struct RemoteOptions {
  std::string model_name;     // the served model's name ("model"); empty: the first of /v1/models
  std::string tokenizer_dir;  // the model's tokenizer; needed only when the server sends text
                              // without token ids (ids are re-encoded from the text then)
  int concurrency = 16;       // requests in flight at once
  int max_retries = 8;        // retries of a request after 429, 5xx, a dropped connection or a
                              // timeout, with exponential backoff and jitter
  double backoff_initial_s = 0.5;  // first retry's backoff (seconds); doubles per retry
  double backoff_max_s = 30;  // backoff cap (seconds); a 429's Retry-After is honoured up to it
  double request_timeout_s = 600;  // per request: connect, send and wait for the answer (seconds)
  std::string journal_path;        // append every answer here and answer repeated requests from it
                                   // (an interrupted run resumes); empty: no journal
};

struct LoadOptions {
  std::string device = "auto";  // "auto" (CUDA when available), "cpu", "cuda", "cuda:N"
  std::string dtype =
      "auto";       // "auto" (float32 on CPU, bfloat16 on CUDA), "float32", "bfloat16", "float16"
  int threads = 0;  // CPU threads for torch and OpenBLAS; 0 = the core count
  RemoteOptions remote;  // for an http(s):// model
};

struct GenerateOptions {
  int64_t n = 1;                       // samples per prompt (sharing one prefill)
  double temperature = 0.0;            // 0 = greedy
  int64_t top_k = 0;                   // 0 = no top-k filter
  double top_p = 1.0;                  // 1 = no nucleus filter
  int64_t max_new_tokens = 128;        // per sample
  uint64_t seed = 0;                   // fixes every sampled token (independent of batching)
  std::vector<int64_t> eos_token_ids;  // empty = the model's (generation_config.json, config.json)
  bool ignore_eos = false;             // generate max_new_tokens even past end-of-text
  int64_t max_batch_rows = 64;         // prompts x samples decoded together
  std::vector<uint64_t> prompt_seeds;  // one per prompt: its draws' seed, overriding seed (a server
                                       // batching requests); empty: PromptSeed(seed, prompt index)
};

struct Sample {
  int64_t prompt_index = 0;             // index into the prompts given
  int64_t sample_id = 0;                // 0 .. n - 1
  std::vector<int64_t> completion_ids;  // new tokens, without the end-of-text id
  double logprob = 0;                   // sum of log-probs of completion_ids (temperature 1)
  std::vector<double> token_logprobs;   // one per completion id (temperature 1)
  std::string finish_reason;            // "eos", "stop" or "length"
};

// Called after each new token of a sample; true stops it (e.g. a stop string appeared).
using StopFn =
    std::function<bool(int64_t prompt_index, const std::vector<int64_t>& completion_ids)>;
// Called as samples finish (count finished so far), for progress.
using ProgressFn = std::function<void(int64_t finished)>;

// A chat: messages in order, answered by the assistant (ChatMessage: src/lm/chat_template.h).
using Conversation = std::vector<ChatMessage>;

struct ChatOptions {
  GenerateOptions generate;       // n, temperature, top_k, top_p, max_new_tokens, seed (chat i
                                  // draws from PromptSeed(seed, i)), end-of-text handling
  std::vector<std::string> stop;  // stop strings: a reply's text ends before the first of them
  bool logprobs = true;           // remote: ask for token log-probs and ids (vLLM's
                                  // return_tokens_as_token_ids); false suits APIs that refuse them
};

struct ChatReply {
  int64_t conversation_index = 0;       // index into the conversations given
  int64_t sample_id = 0;                // 0 .. n - 1
  std::string text;                     // the reply, special tokens left out, cut at a stop string
  std::vector<int64_t> completion_ids;  // its tokens: in process always; remote when the server
                                        // sends ids, else re-encoded from text with a tokenizer,
                                        // else empty
  std::vector<double> token_logprobs;   // one per completion id, when the ids came from the model
  double logprob = 0;                   // their sum
  std::string finish_reason;            // "eos", "stop" (a stop string or the StopFn) or "length"
};

struct ScoreRequest {
  std::vector<int64_t> prompt;        // at least one token
  std::vector<int64_t> continuation;  // the tokens scored
};

struct ScoreResult {
  double logprob = 0;                  // sum of token_logprobs
  std::vector<double> token_logprobs;  // one per continuation token
};

struct ModelInfo {
  std::string path;          // the checkpoint directory, or the endpoint's URL
  std::string name;          // the served model's name (remote engines); empty in process
  std::string architecture;  // config.json architectures[0]; "openai-compatible" (remote)
  int64_t vocab_size = 0;
  int64_t parameters = 0;              // number of weights
  std::vector<int64_t> eos_token_ids;  // generation_config.json's, else config.json's
  std::string device;                  // "cpu", "cuda:0"
  std::string dtype;                   // "float32", "bfloat16", "float16"
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  // Samples ordered by prompt, then sample_id.
  virtual std::vector<Sample> Generate(const std::vector<std::vector<int64_t>>& prompts,
                                       const GenerateOptions& options, const StopFn& stop = nullptr,
                                       const ProgressFn& progress = nullptr) = 0;
  // Replies to each conversation, ordered by conversation, then sample_id. In process (this
  // default): the tokenizer's chat template, Encode, Generate (stopping at `options.stop` and where
  // `stop` says, as Generate does) and decode; `tokenizer` is required. The remote engine sends
  // the messages to /v1/chat/completions instead (the server applies its own template), so it
  // needs no tokenizer; with one it re-encodes replies that come without token ids. `stop` is
  // applied there to the returned ids (when known), as in process while decoding.
  virtual std::vector<ChatReply> Chat(const std::vector<Conversation>& conversations,
                                      const ChatOptions& options, const Tokenizer* tokenizer,
                                      const StopFn& stop = nullptr);
  // Log-probs of each continuation given its prompt.
  virtual std::vector<ScoreResult> Score(const std::vector<ScoreRequest>& requests) = 0;
  // log p(candidate | prompt) at the next position, [prompts][candidates].
  virtual std::vector<std::vector<double>> NextTokenLogprobs(
      const std::vector<std::vector<int64_t>>& prompts, const std::vector<int64_t>& candidates) = 0;
  // The final hidden states (after the last norm, before the LM head) of each sequence, averaged
  // over its positions, [sequences][hidden size]: an embedding for similarity (Scheurer et al.
  // 2022). Every sequence needs at least one token. The remote engine asks /v1/embeddings (which
  // `ilf serve` answers with exactly this); engines that cannot throw ilf::Error.
  virtual std::vector<std::vector<double>> MeanHiddenStates(
      const std::vector<std::vector<int64_t>>& sequences) {
    throw Error(info().path + ": this engine does not expose hidden states");
  }
  virtual const ModelInfo& info() const = 0;
  // What the last Generate call computed (src/lm/generation_stats.h). In process only: a remote
  // engine's server does the work, and its counts stay zero.
  virtual GenerationStats last_generation_stats() const { return {}; }
};

// Whether `model` names an OpenAI-compatible endpoint (http:// or https://) rather than a
// directory.
bool IsRemoteModel(const std::string& model);

// Loads a Hugging Face checkpoint directory (config.json + safetensors), or connects to the
// OpenAI-compatible endpoint `http(s)://HOST:PORT/v1` with options.remote. Throws ilf::Error for a
// bad checkpoint, option or unreachable endpoint, EnvironmentError when CUDA is asked for and
// absent.
std::unique_ptr<LanguageModel> LoadLanguageModel(const std::string& dir,
                                                 const LoadOptions& options = {});

}  // namespace ilf::lm
