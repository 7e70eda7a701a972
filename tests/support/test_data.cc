#include "tests/support/test_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/core/error.h"
#include "src/core/paths.h"

namespace ilf::testing {

std::string FindData(const std::string& relative) {
  std::filesystem::path path = std::filesystem::path(DataDir()) / relative;
  if (!std::filesystem::exists(path)) return "";
  return std::filesystem::absolute(path).lexically_normal().string();
}

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ilf-test-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  ILF_CHECK(made != nullptr, "mkdtemp failed");
  path_ = made;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::Write(const std::string& name, const std::string& text) const {
  std::string full = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(full).parent_path());
  std::ofstream out(full, std::ios::binary);
  out << text;
  return full;
}

std::string IlfBinary() {
  const char* dir = std::getenv("ILF_BINARY_DIR");
  ILF_CHECK(dir != nullptr, "ILF_BINARY_DIR is not set (run the tests through ctest)");
  return std::string(dir) + "/runner/ilf";
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  ILF_CHECK(pipe != nullptr, "popen failed");
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace ilf::testing
