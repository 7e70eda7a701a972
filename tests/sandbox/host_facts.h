// Host-side facts the hostile tests assert after each execution: no process left behind, no file
// created outside the scratch directory, nothing received on a loopback listener.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ilf::sandbox::testing {

// Every live descendant of this process (by walking /proc's parent links), with its comm name.
struct ProcessInfo {
  pid_t pid;
  pid_t ppid;
  std::string comm;
};
std::vector<ProcessInfo> Descendants();

// Makes this process the reaper of orphaned descendants, so a daemon that escaped its parent
// still shows up in Descendants().
void BecomeSubreaper();

// A TCP listener on 127.0.0.1 (ephemeral port) that reports whether anyone connected.
class Listener {
 public:
  Listener();
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int port() const { return port_; }
  // True if a connection is pending or was made (non-blocking accept).
  bool Contacted();

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A file with given content, removed by the destructor.
class ScratchFile {
 public:
  ScratchFile(std::string path, const std::string& content);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

 private:
  std::string path_;
};

// True if `path` exists (lstat).
bool Exists(const std::string& path);

// True if this kernel runs i386 system calls made with `int 0x80` from a 64-bit process (probed in
// a forked child, outside any sandbox). Kernels built without IA32 emulation, or booted with it
// off (ia32_emulation=0, the default of some 6.x configurations), deliver SIGSEGV instead.
bool KernelHasI386Entry();

}  // namespace ilf::sandbox::testing
