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
// Chat sends one /v1/chat/completions request per conversation (messages as text, seeded like
// prompts; logprobs with tokens as ids when ChatOptions::logprobs), so it needs no local
// tokenizer: hosted chat APIs offer chat models only there. MeanHiddenStates sends batches of 16
// token-id sequences to /v1/embeddings (a 404 there is refused as "this server does not serve
// embeddings"); `ilf serve` answers the mean-pooled final hidden states the in-process engine
// computes, other servers whatever pooling their model is configured with.
//
// Up to `concurrency` requests are in flight (one thread each). A request is retried after 429,
// 5xx, a dropped connection or a timeout (request_timeout_s) with exponential backoff and full
// jitter (a 429's Retry-After is honoured, capped at backoff_max_s); other 4xx answers fail at
// once with the server's message (retries live in OpenAiClient, src/lm/openai_client.h). Every
// answer (completions, chat and embeddings alike) is appended to the journal (RemoteOptions::
// journal_path) as it arrives; a rerun finds it there and does not ask again.
//
// The API key (ILF_API_KEY) is sent as "Authorization: Bearer" and never logged or written.
#pragma once

#include <memory>
#include <string>

#include "src/lm/language_model.h"
#include "src/lm/openai_client.h"

namespace ilf::lm {

// Connects to `url` (asks /v1/models for the model name when options.model_name is empty).
std::unique_ptr<LanguageModel> MakeRemoteLanguageModel(const std::string& url,
                                                       const RemoteOptions& options);

}  // namespace ilf::lm
