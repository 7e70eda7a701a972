// The seccomp policy of the sandbox children, as data (see seccomp.h for the code that installs
// it).
//
// Default action for any system call not listed: fail with EPERM (so Python raises instead of
// hanging or dying on an unforeseen but harmless call). Listed calls are allowed, refused with an
// errno, or kill the whole process (SIGSYS, classified BLOCKED by the helper from the wait status).
#pragma once

#include <cstdint>
#include <vector>

namespace ilf::sandbox {

enum class SyscallAction {
  kAllow,
  kErrno,  // fail with `error`
  kKill,   // SECCOMP_RET_KILL_PROCESS
};

// One rule. When `arg0_mask` is non-zero the rule applies only when
// (arg0 & arg0_mask) == arg0_value (used for clone flags).
struct SyscallRule {
  const char* name;  // system call name as libseccomp knows it ("openat")
  SyscallAction action;
  int error = 0;           // errno for kErrno
  uint64_t arg0_mask = 0;  // 0 = unconditional
  uint64_t arg0_value = 0;
};

// The policy for U and E (both get the same filter; E runs trusted code but is exposed to data
// from U, so it gets the same walls).
const std::vector<SyscallRule>& SandboxPolicy();

}  // namespace ilf::sandbox
