#include "sandbox/helper_path.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "src/core/error.h"

namespace ilf::sandbox {

std::string FindHelper() {
  if (const char* path = std::getenv("ILF_SANDBOX_HELPER")) {
    if (access(path, X_OK) != 0) {
      throw EnvironmentError(std::string("ILF_SANDBOX_HELPER='") + path +
                             "' is not an executable file");
    }
    return path;
  }
  std::vector<std::filesystem::path> candidates;
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path dir = self.parent_path();
    candidates = {dir / "ilf-sandbox", dir / "../sandbox/ilf-sandbox",
                  dir / "../../sandbox/ilf-sandbox", dir / "../libexec/ilf/ilf-sandbox"};
  }
  if (const char* build = std::getenv("ILF_BINARY_DIR")) {
    candidates.push_back(std::filesystem::path(build) / "sandbox/ilf-sandbox");
  }
  std::string looked;
  for (const std::filesystem::path& candidate : candidates) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal().string();
    looked += " " + candidate.lexically_normal().string();
  }
  throw EnvironmentError("the sandbox helper 'ilf-sandbox' was not found (looked at:" + looked +
                         "); hint: build the ilf-sandbox target or set ILF_SANDBOX_HELPER");
}

}  // namespace ilf::sandbox
