// Human feedback files (feedback/human_file.h): the ILF paper's surge_annotations.jsonl read as it
// is, or ilf's own ilf.feedback artifact; the whole input is the file.
#include <cstddef>
#include <cstdint>

#include "feedback/human_file.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = ilf::fuzz::FuzzFiles::Get().Write(
      "feedback.jsonl", std::string_view(reinterpret_cast<const char*>(data), size));
  ilf::fuzz::ExpectErrorOrSuccess([&] { ilf::feedback::ReadHumanFeedback(path); });
  return 0;
}
