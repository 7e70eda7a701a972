// `ilf round --config FILE` (runner/round/config.h): the whole input is the config file. What
// parses must survive its own round trip (the effective config is saved in the manifest and
// compared on --resume), so a difference aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "runner/round/config.h"
#include "src/core/json_parse.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ilf::round::RoundConfig config;
  try {
    config = ilf::round::ParseRoundConfig(ilf::ParseJson(text, "config.json"), "config.json");
  } catch (const ilf::Error&) {
    return 0;
  }
  // Past this point nothing may throw: the effective config is valid by construction.
  ilf::Json effective = config.ToJson();
  if (ilf::round::ParseRoundConfig(effective, "effective").ToJson() != effective) std::abort();
  if (!ilf::round::ConfigDifferences(effective, effective).empty()) std::abort();
  ilf::round::ConfigDifferences(ilf::round::RoundConfig().ToJson(), effective);
  config.Hash();
  return 0;
}
