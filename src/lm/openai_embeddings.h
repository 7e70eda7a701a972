// The OpenAI-compatible embeddings protocol (/v1/embeddings) as plain structs and pure
// conversions, shared by `ilf serve` (src/lm/serve.h) and the remote engine's MeanHiddenStates
// (src/lm/remote_model.h). No I/O here.
//
// Request: {"model", "input": text | [texts] | [ids] | [[ids], ...], "encoding_format": "float"};
// token-id inputs are what vLLM accepts and what the remote engine sends. Answer:
// {"object": "list", "data": [{"object": "embedding", "index": I, "embedding": [floats]}, ...],
// "model", "usage": {"prompt_tokens", "total_tokens"}}. `ilf serve` answers each input's
// mean-pooled final hidden states (LanguageModel::MeanHiddenStates), unnormalized.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "src/lm/openai_protocol.h"

namespace ilf::lm {

struct EmbeddingRequest {
  std::string model;                // the served model's name
  std::vector<PromptInput> inputs;  // at least one
};

// Parses a /v1/embeddings body. Throws ilf::Error naming the field for a malformed one, or for an
// encoding_format other than "float" or a "dimensions" (not supported).
EmbeddingRequest ParseEmbeddingRequest(const nlohmann::json& body);
// The /v1/embeddings body of `request` (encoding_format "float").
nlohmann::json EmbeddingRequestJson(const EmbeddingRequest& request);

struct EmbeddingResponse {
  std::string model;                            // the served model's name
  std::vector<std::vector<double>> embeddings;  // one per input, in input order
  int64_t prompt_tokens = 0;                    // usage
};

nlohmann::json EmbeddingResponseJson(const EmbeddingResponse& response);
// Parses a /v1/embeddings answer: embeddings ordered by "index", which must be 0 .. n-1 once
// each. Throws ilf::Error naming the field for a malformed answer (a base64 string where floats
// were asked for included).
EmbeddingResponse ParseEmbeddingResponse(const nlohmann::json& body);

}  // namespace ilf::lm
