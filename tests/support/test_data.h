// Test helpers for reference data and scratch space.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "src/core/paths.h"

namespace ilf::testing {

// Absolute path of DataDir()/relative, or "" when it does not exist.
std::string FindData(const std::string& relative);

// A fresh directory under $TMPDIR, removed with everything in it by the destructor.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `text` to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

// Path of the built `ilf` binary (from ILF_BINARY_DIR, set by CTest).
std::string IlfBinary();

// Runs a shell command; returns its exit status and captures stdout (and stderr if asked).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command);

// The message of the ilf::Error that `fn` throws, or "" when it throws none.
std::string ErrorOf(const std::function<void()>& fn);

}  // namespace ilf::testing

// In a test body: binds `var` to the data path, or skips the test with a clear message.
#define ILF_DATA_OR_SKIP(var, relative)                                                       \
  std::string var = ::ilf::testing::FindData(relative);                                      \
  if (var.empty()) {                                                                         \
    GTEST_SKIP() << "reference data '" << (relative) << "' not found under ILF_DATA_DIR (" \
                 << ::ilf::DataDir() << "); set ILF_DATA_DIR to run this test";              \
  }
