#include "src/core/paths.h"

#include <cstdlib>
#include <filesystem>

#include "src/core/error.h"

namespace ilf {

std::string DataDir() {
  const char* env = std::getenv("ILF_DATA_DIR");
  if (env != nullptr && *env != '\0') return env;
  return (std::filesystem::path(ILF_SOURCE_DIR) / ".." / "shared" / "data").lexically_normal().string();
}

std::string DataPath(const std::string& relative) {
  std::string path = (std::filesystem::path(DataDir()) / relative).string();
  if (!std::filesystem::exists(path)) {
    throw Error("reference data '" + path + "' not found (hint: set ILF_DATA_DIR to the data folder, or run " +
                "scripts/download_data.sh to fetch the public originals)");
  }
  return path;
}

}  // namespace ilf
