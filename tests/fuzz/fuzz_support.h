// Shared pieces of the libFuzzer targets (tests/fuzz/*_fuzz.cc).
//
// Contract every target checks: a parser of outside input either returns or throws ilf::Error.
// Anything else (a crash, a sanitizer report, a leak, another exception type, a hang) is a
// finding. Inputs that hold several files separate them with a NUL byte (no JSON or text file ilf
// reads contains one); FuzzFiles writes them into a private scratch directory for readers that
// take paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/error.h"

namespace ilf::fuzz {

// `data` cut at NUL bytes into at most `parts` pieces (the last keeps any further NULs); missing
// pieces are empty.
std::vector<std::string> SplitInput(const uint8_t* data, size_t size, size_t parts);

// A scratch directory private to this process (under $TMPDIR, removed at exit).
class FuzzFiles {
 public:
  static FuzzFiles& Get();
  // Writes `bytes` to dir()/name (replacing it) and returns the full path.
  std::string Write(const std::string& name, std::string_view bytes) const;
  // Removes dir()/name if present.
  void Remove(const std::string& name) const;
  const std::string& dir() const { return dir_; }

 private:
  FuzzFiles();
  std::string dir_;
};

// Runs `fn`; an ilf::Error is the expected outcome for bad input and is swallowed, so anything
// else escapes to libFuzzer.
template <typename Fn>
void ExpectErrorOrSuccess(Fn&& fn) {
  try {
    fn();
  } catch (const ilf::Error&) {
  }
}

}  // namespace ilf::fuzz
