// tokenizer.json (+ tokenizer_config.json): input is tokenizer.json, NUL, tokenizer_config.json,
// NUL, text to encode. A tokenizer that loads must encode the text and decode its ids.
#include <cstddef>
#include <cstdint>

#include "src/lm/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = ilf::fuzz::SplitInput(data, size, 3);
  const ilf::fuzz::FuzzFiles& files = ilf::fuzz::FuzzFiles::Get();
  files.Write("tokenizer.json", parts[0]);
  if (parts[1].empty()) {
    files.Remove("tokenizer_config.json");
  } else {
    files.Write("tokenizer_config.json", parts[1]);
  }
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::lm::Tokenizer tokenizer = ilf::lm::Tokenizer::Load(files.dir());
    std::vector<int32_t> ids = tokenizer.Encode(parts[2]);
    tokenizer.Decode(ids);
  });
  return 0;
}
