#include "sandbox/classify.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <sstream>

#include "src/core/json_parse.h"

namespace ilf::sandbox {
namespace {

// E's fields are read by type, never with value(): a field of another type counts as absent
// (value() throws nlohmann's type_error for a string "i", and converting "i": 1e300 to size_t is
// undefined behaviour).
std::string Str(const nlohmann::json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Number(const nlohmann::json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_number() ? it->get<double>() : 0.0;
}

// The test index of a record; test_count (out of range) when absent or not an index.
size_t TestIndex(const nlohmann::json& record, size_t test_count) {
  auto it = record.find("i");
  if (it == record.end() || !it->is_number_integer() || *it < 0) return test_count;
  return it->get<uint64_t>();
}

// E's checked program lines of a record ([] when absent or malformed).
std::vector<int64_t> Lines(const nlohmann::json& record) {
  std::vector<int64_t> lines;
  auto it = record.find("lines");
  if (it == record.end() || !it->is_array()) return lines;
  for (const nlohmann::json& line : *it) {
    if (line.is_number_integer()) lines.push_back(line.get<int64_t>());
  }
  return lines;
}

// " (program line 7)", " (program lines 9, 4)" or "".
std::string AtLines(const std::vector<int64_t>& lines) {
  if (lines.empty()) return "";
  std::string text = lines.size() == 1 ? " (program line " : " (program lines ";
  for (size_t i = 0; i < lines.size(); ++i) text += (i ? ", " : "") + std::to_string(lines[i]);
  return text + ")";
}

std::string DescribeExit(const ChildStatus& status) {
  if (!status.reaped) return "still running";
  if (status.exited) return "exited with status " + std::to_string(status.exit_code);
  const char* name = sigabbrev_np(status.signal);
  return std::string("killed by signal ") + (name ? std::string("SIG") + name : "?") + " (" +
         std::to_string(status.signal) + ")";
}

bool KilledBy(const ChildStatus& status, int signal) {
  return status.reaped && !status.exited && status.signal == signal;
}

}  // namespace

std::vector<nlohmann::json> ParseRecords(const std::string& text) {
  std::vector<nlohmann::json> records;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    nlohmann::json record = TryParseJson(line);
    if (record.is_object()) records.push_back(std::move(record));
  }
  return records;
}

void Classify(const Observation& obs, ExecResult* result) {
  result->tests.assign(obs.test_count, TestOutcome{});
  bool done = false, compile_error = false, memory_error = false;
  std::string harness_error, program_problem, first_failure, first_error;
  for (const nlohmann::json& record : obs.records) {
    std::string kind = Str(record, "t");
    if (kind == "test") {
      size_t i = TestIndex(record, obs.test_count);
      if (i >= obs.test_count) continue;
      TestOutcome& outcome = result->tests[i];
      std::string status = Str(record, "status");
      outcome.status = status == "passed"   ? TestStatus::kPassed
                       : status == "failed" ? TestStatus::kFailed
                       : status == "error"  ? TestStatus::kError
                                            : TestStatus::kNotRun;
      outcome.exception_type = Str(record, "type");
      outcome.message = Str(record, "msg");
      outcome.duration_ms = Number(record, "ms");
      outcome.program_lines = Lines(record);
      auto line = record.find("line");
      if (line != record.end() && line->is_number_integer()) {
        outcome.test_line = line->get<int64_t>();
      }
      if (outcome.exception_type == "MemoryError") memory_error = true;
      std::string what = "test " + std::to_string(i) + ": " + outcome.exception_type +
                         (outcome.message.empty() ? "" : ": " + outcome.message) +
                         AtLines(outcome.program_lines);
      if (outcome.status == TestStatus::kFailed && first_failure.empty()) first_failure = what;
      if (outcome.status == TestStatus::kError && first_error.empty()) first_error = what;
    } else if (kind == "done") {
      done = true;
    } else if (kind == "compile_error") {
      compile_error = true;
      std::string where = Str(record, "where");
      program_problem = (where.empty() || where == "program" ? "" : where + ": ") +
                        Str(record, "type") + ": " + Str(record, "msg");
    } else if (kind == "program_raised" || kind == "setup_error") {
      if (Str(record, "type") == "MemoryError") memory_error = true;
      result->program_lines = Lines(record);
      program_problem = (kind == "program_raised" ? "the program raised " : "setup raised ") +
                        Str(record, "type") + ": " + Str(record, "msg") +
                        AtLines(result->program_lines);
    } else if (kind == "program_died") {
      program_problem =
          "the program ended before the tests ran (" + DescribeExit(obs.untrusted) + ")";
    } else if (kind == "harness_error") {
      harness_error = Str(record, "msg");
    }
  }
  bool all_passed = done;
  for (const TestOutcome& outcome : result->tests) {
    all_passed = all_passed && outcome.status == TestStatus::kPassed;
  }
  const ChildStatus& u = obs.untrusted;
  bool u_killed_by_kernel = KilledBy(u, SIGKILL) && !obs.untrusted_killed_by_us &&
                            !obs.wall_timeout && !obs.output_exceeded;
  // A MemoryError is a limit only when the helper saw the memory in use (DESIGN.md §6).
  int64_t room_kib = std::max<int64_t>((obs.limits.memory_mib << 10) - obs.start_address_space_kib,
                                       (obs.limits.memory_mib << 10) / 8);
  // Growth over what U starts with resident: under ASan that start is large (shadow memory), and
  // a program that only raised MemoryError has not grown.
  bool memory_seen = (obs.untrusted_peak_rss_kib - obs.start_resident_kib) * 2 >= room_kib;
  auto set = [&](Verdict verdict, std::string detail) {
    result->verdict = verdict;
    result->detail = std::move(detail);
  };
  if (!obs.setup_failure.empty()) {
    set(Verdict::kSandboxError, "isolation step failed: " + obs.setup_failure);
  } else if (!obs.protocol_error.empty()) {
    set(Verdict::kSandboxError, "evaluator protocol failure: " + obs.protocol_error);
  } else if (KilledBy(u, SIGSYS)) {
    set(Verdict::kBlocked, "the program made a forbidden system call (killed by seccomp)");
  } else if (obs.wall_timeout) {
    set(Verdict::kTimeout,
        "wall-clock limit of " + std::to_string(obs.limits.wall_time_ms) + " ms exceeded");
  } else if (obs.output_exceeded) {
    set(Verdict::kOutputLimit,
        "stdout+stderr exceeded " + std::to_string(obs.limits.output_bytes) + " bytes");
  } else if (KilledBy(u, SIGXCPU) ||
             (u_killed_by_kernel && obs.untrusted_cpu_ms >= 0.9 * obs.limits.cpu_time_ms)) {
    set(Verdict::kTimeout,
        "CPU limit of " + std::to_string(obs.limits.cpu_time_ms) + " ms exceeded");
  } else if (KilledBy(u, SIGXFSZ) || obs.scratch_exceeded) {
    set(Verdict::kOutputLimit,
        "file size limit of " + std::to_string(obs.limits.file_size_mib) + " MiB reached");
  } else if (u_killed_by_kernel || (memory_error && memory_seen)) {
    set(Verdict::kMemoryLimit, "memory limit of " + std::to_string(obs.limits.memory_mib) +
                                   " MiB reached (" +
                                   (memory_error ? "MemoryError" : DescribeExit(u)) + ")");
  } else if (KilledBy(obs.evaluator, SIGSYS) || !harness_error.empty()) {
    set(Verdict::kSandboxError,
        "evaluator failed: " +
            (harness_error.empty() ? DescribeExit(obs.evaluator) : harness_error));
  } else if (compile_error) {
    set(Verdict::kCompileError, program_problem);
  } else if (all_passed && program_problem.empty()) {
    set(Verdict::kPass, "all " + std::to_string(obs.test_count) + " tests passed");
  } else if (!first_failure.empty()) {
    set(Verdict::kFail, first_failure);
  } else if (!program_problem.empty() || !first_error.empty()) {
    std::string why = !program_problem.empty() ? program_problem : first_error;
    if (u.reaped && !u.exited && !obs.untrusted_killed_by_us) {
      why = "the program was " + DescribeExit(u) + "; " + why;
    }
    set(Verdict::kRuntimeError, why);
  } else if (!done) {
    set(Verdict::kSandboxError, "the evaluator ended without a result (" +
                                    DescribeExit(obs.evaluator) + "; program " + DescribeExit(u) +
                                    ")");
  } else {
    set(Verdict::kRuntimeError, "not every test ran (program " + DescribeExit(u) + ")");
  }
}

}  // namespace ilf::sandbox
