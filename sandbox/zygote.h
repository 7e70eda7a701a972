// The zygote: an embedded CPython, initialised once per helper, that children fork from.
//
// Init puts pymalloc's arenas in huge pages (arena.h), uses an isolated config (no site, no user
// site, no environment variables), loads the harness module (sandbox/harness_codec.py +
// harness.py, compiled into the binary), pre-imports the stdlib modules programs and tests
// commonly use, replaces os.environ with a fixed minimal environment, runs U's code path once
// (warm-up) and freezes the GC. Single-threaded; the GIL stays held by the helper's only thread.
#pragma once

#include <string>
#include <vector>

#include "sandbox/arena.h"

namespace ilf::sandbox {

class Zygote {
 public:
  // `python` is the interpreter whose installation is embedded (e.g. /usr/bin/python3); it sets
  // the prefix used to find the stdlib. Throws ilf::Error when init or the harness fails.
  // `extra_preload` names more modules to import (e.g. numpy).
  Zygote(const std::string& python, const std::vector<std::string>& extra_preload);
  ~Zygote();
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;

  // Directories the children must be able to read (stdlib, lib-dynload, site dirs).
  const std::vector<std::string>& python_paths() const { return python_paths_; }

  // Bytes of the zygote's small objects held in transparent huge pages (sandbox/arena.h).
  size_t huge_page_bytes() const { return huge_page_bytes_; }

  // Fork bracketing (PyOS_BeforeFork & co.).
  void BeforeFork();
  void AfterForkParent();
  void AfterForkChild();

  // In a child after isolation: reads the program's bytes from `program_fd` until EOF, runs it
  // and serves the evaluator; never returns (os._exit).
  [[noreturn]] void RunUntrusted(int program_fd, int req_fd, int resp_fd);
  // In the evaluator child after isolation: serves jobs from the control socket until it closes.
  [[noreturn]] void RunEvaluatorLoop(int control_fd, int result_fd);

 private:
  ZygoteArenas arenas_;      // pymalloc's arena allocator: installed first, lives on with it
  void* harness_ = nullptr;  // PyObject* of the harness module
  std::vector<std::string> python_paths_;
  size_t huge_page_bytes_ = 0;
};

}  // namespace ilf::sandbox
