// vocab.json + merges.txt + tokenizer_config.json: input is the three files separated by NULs,
// then NUL and text to encode. A tokenizer that loads must encode the text and decode its ids.
#include <cstddef>
#include <cstdint>

#include "src/lm/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = ilf::fuzz::SplitInput(data, size, 4);
  const ilf::fuzz::FuzzFiles& files = ilf::fuzz::FuzzFiles::Get();
  files.Remove("tokenizer.json");
  files.Write("vocab.json", parts[0]);
  files.Write("merges.txt", parts[1]);
  files.Write("tokenizer_config.json", parts[2]);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::lm::Tokenizer tokenizer = ilf::lm::Tokenizer::Load(files.dir());
    std::vector<int32_t> ids = tokenizer.Encode(parts[3]);
    tokenizer.Decode(ids);
  });
  return 0;
}
