#include "src/core/atomic_file.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
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

std::string TempPathFor(const std::string& path, long pid, int n) {
  std::string suffix = ".tmp-" + std::to_string(pid) + "-" + std::to_string(n);
  size_t slash = path.rfind('/');
  size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  size_t name_bytes = path.size() - name_start;
  // A legal 251-byte name plus the suffix would pass NAME_MAX (255): shorten the name part.
  size_t keep = std::min(name_bytes, kNameMax - std::min(kNameMax, suffix.size()));
  return path.substr(0, name_start + keep) + suffix;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw Error("cannot create directory '" + parent.string() + "': " + ec.message(), kExitFailed);
  }
  temp_path_ = TempPathFor(path_, getpid(), counter++);
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
  // The errno of the first step that failed: each step's is saved before the next runs (a failing
  // fclose after a good fsync used to report fsync's stale errno).
  int failed_errno = 0;
  auto step = [&failed_errno](bool ok) {
    if (!ok && failed_errno == 0) failed_errno = errno != 0 ? errno : EIO;
  };
  step(std::fflush(file_) == 0);
  if (failed_errno == 0) step(fsync(fileno(file_)) == 0);
  step(std::fclose(file_) == 0);
  file_ = nullptr;
  if (failed_errno == 0) step(std::rename(temp_path_.c_str(), path_.c_str()) == 0);
  if (failed_errno != 0) {
    std::remove(temp_path_.c_str());
    throw Error("cannot write '" + path_ + "': " + std::strerror(failed_errno), kExitFailed);
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
    // gzread returns 0 both at the end and when the stream stops early (cut at a flush point):
    // only gzerror's Z_BUF_ERROR tells them apart.
    int err = Z_OK;
    const char* message = gzerror(gz, &err);
    std::string text = message != nullptr ? message : "";
    gzclose(gz);
    if (n < 0 || err != Z_OK) {
      throw Error("cannot decompress '" + path + "': " + (text.empty() ? "error" : text) +
                  (err == Z_BUF_ERROR ? " (the file is truncated)" : ""));
    }
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
