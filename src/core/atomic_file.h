// AtomicFile: write a file so that readers see either nothing or the whole of it.
//
// Writes go to a temporary file beside the target (same directory, so rename(2) is atomic); Commit()
// flushes, fsyncs and renames it into place. If the object is destroyed without Commit() (an error or
// an interrupt unwound the stack), the temporary is removed and the target is untouched: nothing
// half-written is ever left under the final name. Not thread-safe; copying is deleted.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace ilf {

class AtomicFile {
 public:
  // Opens "<path>.tmp-<pid>-<n>" for writing; throws ilf::Error naming the path on failure.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(std::string_view bytes);
  // Makes the file visible under its final name. Throws ilf::Error on I/O failure.
  void Commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
};

// Writes `bytes` to `path` atomically (creating parent directories).
void WriteFileAtomically(const std::string& path, std::string_view bytes);

// Longest file name (one path component) Linux filesystems take.
inline constexpr size_t kNameMax = 255;

// The temporary beside `path` that AtomicFile writes: "<path>.tmp-<pid>-<n>", with the file name
// shortened so that it stays within kNameMax bytes (the directory part is kept whole).
std::string TempPathFor(const std::string& path, long pid, int n);

// Reads a whole file; a name ending in ".gz" is decompressed. Throws ilf::Error naming the path,
// also for a compressed stream that ends early (a truncated download reads as an error, not as
// fewer records).
std::string ReadFile(const std::string& path);

}  // namespace ilf
