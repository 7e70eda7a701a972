// What an OpenAI-compatible server answers the remote engine (src/lm/remote_model.cc): the body
// of a /v1/completions, /v1/chat/completions (with logprobs.content) or /v1/embeddings answer,
// parsed as the client does (bounded ParseJson, then ParseCompletionResponse, ParseChatResponse,
// ParseEmbeddingResponse), and the /v1/models list it takes the model name from. Every parser sees
// every input. The server is outside input: anything malformed must end as ilf::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "src/core/json_parse.h"
#include "src/lm/openai_embeddings.h"
#include "src/lm/openai_protocol.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// The invariants both choice parsers keep.
void CheckChoices(const ilf::lm::CompletionResponse& r) {
  for (size_t i = 1; i < r.choices.size(); ++i) {
    if (r.choices[i - 1].index > r.choices[i].index) std::abort();  // sorted by index
  }
  for (const ilf::lm::CompletionChoice& c : r.choices) {
    if (!c.token_ids.empty() && c.token_ids.size() != c.tokens.size()) std::abort();
    if (c.has_logprobs && c.tokens.size() != c.token_logprobs.size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ilf::Json body;
  try {
    body = ilf::ParseJson(text, "the answer");
  } catch (const ilf::Error&) {
    return 0;
  }
  ilf::fuzz::ExpectErrorOrSuccess([&] { CheckChoices(ilf::lm::ParseCompletionResponse(body)); });
  ilf::fuzz::ExpectErrorOrSuccess([&] { CheckChoices(ilf::lm::ParseChatResponse(body)); });
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::lm::EmbeddingResponse r = ilf::lm::ParseEmbeddingResponse(body);
    if (r.embeddings.size() != body["data"].size()) std::abort();  // one per listed item
  });
  ilf::fuzz::ExpectErrorOrSuccess([&] { ilf::lm::ServedModelName(body); });
  return 0;
}
