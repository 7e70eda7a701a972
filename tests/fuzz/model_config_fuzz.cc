// config.json (src/lm/model_config.h): the whole input is the file.
#include <cstddef>
#include <cstdint>

#include "src/lm/model_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = ilf::fuzz::FuzzFiles::Get().Write(
      "config.json", std::string_view(reinterpret_cast<const char*>(data), size));
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::lm::ModelConfig config = ilf::lm::LoadModelConfig(path);
    // What the model code then divides and multiplies by.
    if (config.num_attention_heads <= 0 || config.num_key_value_heads <= 0 || config.head_dim <= 0)
      __builtin_trap();
  });
  return 0;
}
