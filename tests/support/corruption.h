// Truncation and corruption sweeps for file readers (issue 15): a reader given any prefix of a
// small valid file, or the file with one byte changed, either reads it or throws ilf::Error whose
// message names the file; never a crash, another exception type, or (for cuts) a silent result.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace ilf::testing {

struct SweepOptions {
  // Whether a cut at `size` bytes may read without error (e.g. a JSONL file cut at a line end is
  // a valid shorter file). By default only the whole file may.
  std::function<bool(size_t size)> cut_may_succeed;
  size_t cut_stride = 1;   // cut at every n-th offset (and at each of the first and last 32)
  size_t flip_stride = 1;  // change every n-th byte (1: every byte)
};

// Writes every prefix of `valid` (0 .. size-1 bytes), then `valid` with each byte replaced by
// three different values, to `path`, and calls `read(path)` each time. Reports a gtest failure
// for each case that escapes with anything but ilf::Error, throws one that does not name `path`,
// or succeeds on a cut that SweepOptions does not allow. Returns the number of cases run.
size_t SweepFile(const std::string& path, const std::string& valid,
                 const std::function<void(const std::string& path)>& read,
                 const SweepOptions& options = {});

}  // namespace ilf::testing
