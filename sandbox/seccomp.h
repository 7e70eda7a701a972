// Compiling the seccomp policy (seccomp_policy.h) to BPF once, and loading it in a child.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace ilf::sandbox {

// Compiles SandboxPolicy() for x86-64 only: other architectures (i386 via int 0x80) and x32
// system call numbers kill the process. Throws ilf::Error when libseccomp refuses a rule.
std::vector<sock_filter> CompileSandboxPolicy();

// Loads a compiled filter into the calling thread (and all threads it creates). Post-fork safe:
// no allocation. Needs no_new_privs set first. Returns 0 or the errno.
int LoadSeccompFilter(const sock_fprog* program);

}  // namespace ilf::sandbox
