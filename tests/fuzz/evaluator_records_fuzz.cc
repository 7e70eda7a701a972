// What the sandbox helper makes of the evaluator's records (sandbox/classify.h): ParseRecords over
// the record lines, then Classify, the pure function that turns an execution's observation into
// a verdict. The first four bytes set the observation (test count, how U and E ended, the limit
// flags); the rest is E's output, which a broken or subverted evaluator could fill with anything.
// Classify must not throw, and must never call PASS what the records do not show passing.
#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sandbox/classify.h"

namespace {

ilf::sandbox::ChildStatus Status(uint8_t bits) {
  const int signals[] = {SIGKILL, SIGSYS, SIGXCPU, SIGXFSZ, SIGSEGV, SIGTERM, SIGABRT, 0};
  ilf::sandbox::ChildStatus s;
  s.reaped = bits & 1;
  s.exited = bits & 2;
  s.exit_code = (bits >> 2) & 3;
  s.signal = signals[(bits >> 4) & 7];
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  ilf::sandbox::Observation obs;
  obs.test_count = data[0] % 8;
  obs.untrusted = Status(data[1]);
  obs.evaluator = Status(data[2]);
  obs.untrusted_killed_by_us = data[3] & 1;
  obs.wall_timeout = data[3] & 2;
  obs.output_exceeded = data[3] & 4;
  obs.scratch_exceeded = data[3] & 8;
  obs.untrusted_peak_rss_kib = (data[3] & 16) ? 1 << 20 : 1024;
  obs.start_address_space_kib = 64 << 10;
  obs.untrusted_cpu_ms = (data[3] & 32) ? 1e9 : 1;
  obs.records =
      ilf::sandbox::ParseRecords(std::string(reinterpret_cast<const char*>(data + 4), size - 4));
  ilf::sandbox::ExecResult result;
  ilf::sandbox::Classify(obs, &result);  // any exception escapes to libFuzzer: a finding
  if (result.tests.size() != obs.test_count) std::abort();
  if (result.verdict == ilf::sandbox::Verdict::kPass) {
    for (const ilf::sandbox::TestOutcome& t : result.tests) {
      if (t.status != ilf::sandbox::TestStatus::kPassed) std::abort();
    }
  }
  result.ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
