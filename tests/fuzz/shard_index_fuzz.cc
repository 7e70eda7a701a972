// model.safetensors.index.json (src/lm/safetensors_header.h ParseShardIndex).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/lm/safetensors_header.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    for (const std::string& shard : ilf::lm::ParseShardIndex(text, "index.json")) {
      if (shard.empty() || shard[0] == '/') __builtin_trap();  // must stay inside the directory
    }
  });
  return 0;
}
