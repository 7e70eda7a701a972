#include "tests/fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ilf::fuzz {

std::vector<std::string> SplitInput(const uint8_t* data, size_t size, size_t parts) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> out;
  while (out.size() + 1 < parts) {
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) break;
    out.emplace_back(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
  }
  out.emplace_back(rest);
  out.resize(parts);
  return out;
}

FuzzFiles& FuzzFiles::Get() {
  static FuzzFiles files;
  return files;
}

FuzzFiles::FuzzFiles() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/ilf-fuzz-XXXXXX";
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  dir_ = made;
  static std::string to_remove;
  to_remove = dir_;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(to_remove, ec);
  });
}

std::string FuzzFiles::Write(const std::string& name, std::string_view bytes) const {
  std::string path = dir_ + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

void FuzzFiles::Remove(const std::string& name) const {
  std::error_code ec;
  std::filesystem::remove(dir_ + "/" + name, ec);
}

}  // namespace ilf::fuzz
