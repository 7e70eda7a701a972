// safetensors headers (src/lm/safetensors_header.h): the whole input is the file.
#include <cstddef>
#include <cstdint>

#include "src/lm/safetensors_header.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::lm::SafetensorsHeader header =
        ilf::lm::ParseSafetensorsHeader(data, size, "fuzz.safetensors");
    // What the loader then relies on: every tensor's bytes inside the file.
    for (const auto& [name, info] : header.tensors) {
      if (info.begin > info.end || header.data_start + info.end > size) __builtin_trap();
    }
  });
  return 0;
}
