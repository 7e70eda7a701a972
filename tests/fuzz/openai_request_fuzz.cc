// What clients send `ilf serve` (src/lm/serve.cc): a /v1/completions body, or when the input
// starts with 'C' a /v1/chat/completions body, or with 'E' a /v1/embeddings body, parsed as the
// server does (bounded ParseJson, then ParseCompletionRequest / ParseChatRequest /
// ParseEmbeddingRequest). A request that parses must survive the wire unchanged (the remote engine
// sends CompletionRequestJson, ChatRequestJson and EmbeddingRequestJson to `ilf serve`), else
// abort.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "src/core/json_parse.h"
#include "src/lm/openai_embeddings.h"
#include "src/lm/openai_protocol.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  char kind = !text.empty() && (text[0] == 'C' || text[0] == 'E') ? text[0] : 0;
  if (kind) text.remove_prefix(1);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::Json body = ilf::ParseJson(text, "the body");
    ilf::Json wire, again;
    if (kind == 'C') {
      wire = ilf::lm::ChatRequestJson(ilf::lm::ParseChatRequest(body));
      again = ilf::lm::ChatRequestJson(ilf::lm::ParseChatRequest(wire));
    } else if (kind == 'E') {
      wire = ilf::lm::EmbeddingRequestJson(ilf::lm::ParseEmbeddingRequest(body));
      again = ilf::lm::EmbeddingRequestJson(ilf::lm::ParseEmbeddingRequest(wire));
    } else {
      wire = ilf::lm::CompletionRequestJson(ilf::lm::ParseCompletionRequest(body));
      again = ilf::lm::CompletionRequestJson(ilf::lm::ParseCompletionRequest(wire));
    }
    if (again != wire) std::abort();
  });
  return 0;
}
