#include "sandbox/protocol.h"

#include <stdexcept>

#include <errno.h>
#include <unistd.h>

namespace ilf::sandbox {
namespace {

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool WriteFrame(int fd, const std::string& payload) {
  uint32_t size = static_cast<uint32_t>(payload.size());
  unsigned char header[4] = {
      static_cast<unsigned char>(size), static_cast<unsigned char>(size >> 8),
      static_cast<unsigned char>(size >> 16), static_cast<unsigned char>(size >> 24)};
  return WriteAll(fd, reinterpret_cast<const char*>(header), 4) &&
         WriteAll(fd, payload.data(), payload.size());
}

std::optional<std::string> ReadFrame(int fd) {
  unsigned char header[4];
  if (!ReadAll(fd, reinterpret_cast<char*>(header), 4)) return std::nullopt;
  uint32_t size = header[0] | (header[1] << 8) | (header[2] << 16) | (uint32_t{header[3]} << 24);
  if (size > kMaxFrameBytes) return std::nullopt;
  std::string payload(size, '\0');
  if (!ReadAll(fd, payload.data(), size)) return std::nullopt;
  return payload;
}

std::string ToHex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) hex += kDigits[c >> 4], hex += kDigits[c & 15];
  return hex;
}

std::string FromHex(const std::string& hex) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::invalid_argument("hex field: not a hex digit");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument("hex field: odd length");
  std::string bytes(hex.size() / 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(value(hex[2 * i]) * 16 + value(hex[2 * i + 1]));
  }
  return bytes;
}

nlohmann::json RequestToJson(const ExecRequest& request) {
  const Limits& l = request.limits;
  std::vector<std::string> tests_hex;
  for (const std::string& test : request.tests) tests_hex.push_back(ToHex(test));
  return {{"program_hex", ToHex(request.program)},
          {"setup_hex", ToHex(request.setup)},
          {"tests_hex", tests_hex},
          {"entry_point", request.entry_point},
          {"limits",
           {{"wall_time_ms", l.wall_time_ms},
            {"cpu_time_ms", l.cpu_time_ms},
            {"memory_mib", l.memory_mib},
            {"output_bytes", l.output_bytes},
            {"file_size_mib", l.file_size_mib},
            {"open_files", l.open_files}}}};
}

ExecRequest RequestFromJson(const nlohmann::json& json) {
  ExecRequest request;
  request.program = FromHex(json.at("program_hex").get<std::string>());
  request.setup = FromHex(json.at("setup_hex").get<std::string>());
  for (const nlohmann::json& test : json.at("tests_hex")) {
    request.tests.push_back(FromHex(test.get<std::string>()));
  }
  request.entry_point = json.value("entry_point", "");
  const nlohmann::json& l = json.at("limits");
  request.limits.wall_time_ms = l.at("wall_time_ms").get<int64_t>();
  request.limits.cpu_time_ms = l.at("cpu_time_ms").get<int64_t>();
  request.limits.memory_mib = l.at("memory_mib").get<int64_t>();
  request.limits.output_bytes = l.at("output_bytes").get<int64_t>();
  request.limits.file_size_mib = l.at("file_size_mib").get<int64_t>();
  request.limits.open_files = l.at("open_files").get<int64_t>();
  return request;
}

ExecResult ResultFromJson(const nlohmann::json& json) {
  ExecResult result;
  std::optional<Verdict> verdict = ParseVerdict(json.at("verdict").get<std::string>());
  result.verdict = verdict.value_or(Verdict::kSandboxError);
  for (const nlohmann::json& test : json.at("tests")) {
    TestOutcome outcome;
    std::string status = test.at("status").get<std::string>();
    for (TestStatus s :
         {TestStatus::kPassed, TestStatus::kFailed, TestStatus::kError, TestStatus::kNotRun}) {
      if (TestStatusName(s) == status) outcome.status = s;
    }
    outcome.exception_type = test.at("exception_type").get<std::string>();
    outcome.message = test.at("message").get<std::string>();
    outcome.duration_ms = test.at("duration_ms").get<double>();
    outcome.program_lines = test.value("program_lines", std::vector<int64_t>{});
    outcome.test_line = test.value("test_line", int64_t{0});
    result.tests.push_back(std::move(outcome));
  }
  result.wall_time_ms = json.at("wall_time_ms").get<double>();
  result.cpu_time_ms = json.at("cpu_time_ms").get<double>();
  result.peak_memory_kib = json.at("peak_memory_kib").get<int64_t>();
  result.stdout_tail = json.at("stdout_tail").get<std::string>();
  result.stderr_tail = json.at("stderr_tail").get<std::string>();
  result.detail = json.at("detail").get<std::string>();
  result.program_lines = json.value("program_lines", std::vector<int64_t>{});
  return result;
}

}  // namespace ilf::sandbox
