// Turning what the helper observed during one execution into a verdict: a pure function.
//
// Limits and policy violations come only from what the helper itself saw (wait statuses, rusage,
// its own timers and byte counts, the scratch directory's size). Test outcomes come only from the
// evaluator's records on the trusted result pipe. A MemoryError the program raised (or relayed
// through a call) is the program's RUNTIME_ERROR unless the helper itself saw the memory used:
// a peak RSS (wait4) above the resident memory U starts with by at least half of what the limit
// leaves beyond the address space U starts with, or a kill by the kernel.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace ilf::sandbox {

struct ChildStatus {
  bool reaped = false;  // waited for
  bool exited = false;  // WIFEXITED
  int exit_code = 0;
  int signal = 0;  // WTERMSIG when killed by a signal
};

struct Observation {
  ChildStatus untrusted;                // U: runs the program
  ChildStatus evaluator;                // E: runs setup and tests
  bool untrusted_killed_by_us = false;  // the helper killed U at teardown (after E finished)
  bool wall_timeout = false;            // the helper's wall clock expired and it killed both
  bool output_exceeded = false;         // stdout+stderr over Limits::output_bytes
  bool scratch_exceeded = false;        // the scratch directory reached Limits::file_size_mib
  double untrusted_cpu_ms = 0;
  std::string setup_failure;            // "U: setrlimit(RLIMIT_AS): Invalid argument" or ""
  std::string protocol_error;           // E wrote a record the helper could not read, or ""
  int64_t untrusted_peak_rss_kib = 0;   // ru_maxrss of U
  int64_t start_address_space_kib = 0;  // address space U starts with (the zygote's) that
                                        // counts against its limit (0 in ASan builds)
  int64_t start_resident_kib = 0;       // resident memory U starts with (the zygote's pages,
                                        // and ASan's shadow of them in ASan builds)
  std::vector<nlohmann::json> records;  // E's records, in order
  size_t test_count = 0;
  Limits limits;
};

// Fills verdict, tests (one per test) and detail of `result`.
void Classify(const Observation& observation, ExecResult* result);

// Parses E's JSON lines; malformed lines are skipped (for tests and tools; the helper itself
// treats a malformed record as a protocol failure of the execution).
std::vector<nlohmann::json> ParseRecords(const std::string& text);

}  // namespace ilf::sandbox
