// What clients send `ilf serve` (src/lm/serve.cc): a /v1/completions or, when the input starts
// with 'C', a /v1/chat/completions body, parsed as the server does (bounded ParseJson, then
// ParseCompletionRequest / ParseChatRequest). A completions request that parses must survive the
// wire unchanged (the remote engine sends CompletionRequestJson to `ilf serve`), else abort.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "src/core/json_parse.h"
#include "src/lm/openai_protocol.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bool chat = !text.empty() && text[0] == 'C';
  if (chat) text.remove_prefix(1);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::Json body = ilf::ParseJson(text, "the body");
    if (chat) {
      ilf::lm::ParseChatRequest(body);
      return;
    }
    ilf::lm::CompletionRequest request = ilf::lm::ParseCompletionRequest(body);
    ilf::Json wire = ilf::lm::CompletionRequestJson(request);
    ilf::Json again = ilf::lm::CompletionRequestJson(ilf::lm::ParseCompletionRequest(wire));
    if (again != wire) std::abort();
  });
  return 0;
}
