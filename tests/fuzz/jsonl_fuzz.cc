// JSONL artifacts and samples lines: ParseJsonl, the typed field accessors and the versioned
// header (src/core/jsonl.h), as every artifact reader uses them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "src/core/jsonl.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    for (const ilf::JsonlRecord& record : ilf::ParseJsonl(text, "fuzz.jsonl")) {
      if (record.value.contains("ilf_header")) ilf::ParseArtifactHeader(record);
      // The fields samples, results and feedback files read, through each accessor.
      for (const char* key : {"task_id", "sample_id", "completion", "round", "score"}) {
        ilf::fuzz::ExpectErrorOrSuccess([&] { record.String(key); });
        ilf::fuzz::ExpectErrorOrSuccess([&] { record.Int(key); });
        ilf::fuzz::ExpectErrorOrSuccess([&] { record.Number(key); });
      }
      ilf::HashJson(record.value);
    }
  });
  return 0;
}
