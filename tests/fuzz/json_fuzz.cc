// ParseJson (src/core/json_parse.h), the bounded parser every JSON reader uses: it must return a
// value whose dump() re-parses to the same value, or throw ilf::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/core/json_parse.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::Json value = ilf::ParseJson(text, "fuzz.json");
    ilf::Json copy = value;  // the recursive operations the depth bound protects
    std::string dumped = copy.dump(-1, ' ', false, ilf::Json::error_handler_t::replace);
    if (value.dump() == dumped && ilf::ParseJson(dumped, "dump") != value) std::abort();
  });
  return 0;
}
