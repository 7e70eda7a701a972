#include "src/core/atomic_file.h"

#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/core/error.h"

namespace ilf {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw Error("cannot create directory '" + parent.string() + "': " + ec.message(), kExitFailed);
  }
  temp_path_ = path_ + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (file_ == nullptr) {
    throw Error("cannot write '" + path_ + "': " + ErrnoText(), kExitFailed);
  }
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(temp_path_.c_str());
  }
}

void AtomicFile::Write(std::string_view bytes) {
  ILF_CHECK(file_ != nullptr, "write after commit");
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    throw Error("cannot write '" + path_ + "': " + ErrnoText(), kExitFailed);
  }
}

void AtomicFile::Commit() {
  ILF_CHECK(file_ != nullptr, "commit twice");
  bool ok = std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  int saved_errno = errno;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok || std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    if (ok) saved_errno = errno;
    std::remove(temp_path_.c_str());
    throw Error("cannot write '" + path_ + "': " + std::strerror(saved_errno), kExitFailed);
  }
}

void WriteFileAtomically(const std::string& path, std::string_view bytes) {
  AtomicFile file(path);
  file.Write(bytes);
  file.Commit();
}

std::string ReadFile(const std::string& path) {
  if (EndsWith(path, ".gz")) {
    gzFile gz = gzopen(path.c_str(), "rb");
    if (gz == nullptr) throw Error("cannot open '" + path + "': " + ErrnoText());
    std::string out;
    char buffer[1 << 16];
    int n;
    while ((n = gzread(gz, buffer, sizeof buffer)) > 0) out.append(buffer, n);
    int err = 0;
    const char* message = gzerror(gz, &err);
    std::string text = (n < 0 && message != nullptr) ? message : "";
    gzclose(gz);
    if (n < 0) throw Error("cannot decompress '" + path + "': " + text);
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "': " + ErrnoText());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error("cannot read '" + path + "': " + ErrnoText());
  return buffer.str();
}

}  // namespace ilf
