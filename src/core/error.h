// Errors and exit codes.
//
// Three channels (STYLE.md habit 4):
//   - bugs: ILF_CHECK aborts with file:line and the failed condition;
//   - environment, input and checkpoint problems: throw ilf::Error, whose message says what, where,
//     got/expected and a hint; runner/main.cc alone turns it into an exit code;
//   - outcomes of untrusted code are values (sandbox::Verdict), never exceptions.
#pragma once

#include <stdexcept>
#include <string>

namespace ilf {

// Process exit codes of the `ilf` binary (DESIGN.md §4).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,       // the work ran and failed, or the environment cannot do it
  kExitUsage = 2,        // bad command line or bad input file
  kExitInterrupted = 130,
};

class Error : public std::runtime_error {
 public:
  // `message` names the file, line, tensor or setting and says what was expected.
  explicit Error(const std::string& message, ExitCode exit_code = kExitUsage)
      : std::runtime_error(message), exit_code_(exit_code) {}
  ExitCode exit_code() const { return exit_code_; }

 private:
  ExitCode exit_code_;
};

// An environment problem (missing package, kernel feature, device): exit code 1.
inline Error EnvironmentError(const std::string& message) { return Error(message, kExitFailed); }

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition, const std::string& detail);

}  // namespace ilf

// ILF_CHECK(cond) or ILF_CHECK(cond, "detail"): a bug if false; aborts with file:line.
#define ILF_CHECK(cond, ...)                                                        \
  do {                                                                              \
    if (!(cond)) ::ilf::CheckFailed(__FILE__, __LINE__, #cond, std::string{__VA_ARGS__}); \
  } while (0)
