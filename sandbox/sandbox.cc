#include "sandbox/sandbox.h"

#include <array>
#include <utility>

namespace ilf::sandbox {
namespace {

constexpr std::array<std::pair<Verdict, std::string_view>, 9> kVerdictNames = {{
    {Verdict::kPass, "PASS"},
    {Verdict::kFail, "FAIL"},
    {Verdict::kRuntimeError, "RUNTIME_ERROR"},
    {Verdict::kCompileError, "COMPILE_ERROR"},
    {Verdict::kTimeout, "TIMEOUT"},
    {Verdict::kMemoryLimit, "MEMORY_LIMIT"},
    {Verdict::kOutputLimit, "OUTPUT_LIMIT"},
    {Verdict::kBlocked, "BLOCKED"},
    {Verdict::kSandboxError, "SANDBOX_ERROR"},
}};

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  for (const auto& [v, name] : kVerdictNames) {
    if (v == verdict) return name;
  }
  return "SANDBOX_ERROR";
}

std::optional<Verdict> ParseVerdict(std::string_view name) {
  for (const auto& [v, n] : kVerdictNames) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::string_view TestStatusName(TestStatus status) {
  switch (status) {
    case TestStatus::kPassed:
      return "passed";
    case TestStatus::kFailed:
      return "failed";
    case TestStatus::kError:
      return "error";
    case TestStatus::kNotRun:
      return "not_run";
  }
  return "not_run";
}

nlohmann::json ExecResult::ToJson() const {
  nlohmann::json test_list = nlohmann::json::array();
  for (const TestOutcome& test : tests) {
    test_list.push_back({{"status", TestStatusName(test.status)},
                         {"exception_type", test.exception_type},
                         {"message", test.message},
                         {"duration_ms", test.duration_ms},
                         {"program_lines", test.program_lines},
                         {"test_line", test.test_line}});
  }
  return {{"verdict", VerdictName(verdict)},    {"tests", test_list},
          {"wall_time_ms", wall_time_ms},       {"cpu_time_ms", cpu_time_ms},
          {"peak_memory_kib", peak_memory_kib}, {"stdout_tail", stdout_tail},
          {"stderr_tail", stderr_tail},         {"detail", detail},
          {"program_lines", program_lines}};
}

nlohmann::json IsolationReport::ToJson() const {
  return {{"active", active}, {"missing", missing}, {"weaker", weaker}};
}

}  // namespace ilf::sandbox
