// The isolation steps a sandbox child applies to itself right after fork, before any Python runs.
//
// A flat checklist (STYLE habit 7): every step is one system call on data prepared before the
// fork; nothing allocates, throws or logs. The first failing step is returned with its errno and
// the child reports it on its setup pipe, then exits (the helper answers SANDBOX_ERROR).
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

namespace ilf::sandbox {

inline constexpr int kMaxKeptFds = 8;

struct ChildPlan {
  int stdin_fd = -1;               // becomes fd 0 (/dev/null)
  int stdout_fd = -1;              // becomes fd 1 (capture pipe)
  int stderr_fd = -1;              // becomes fd 2 (capture pipe)
  int kept_fds[kMaxKeptFds] = {};  // become fds 3, 4, ... in this order; all others are closed
  int kept_count = 0;
  const char* scratch_dir = nullptr;  // working directory
  rlim_t cpu_seconds = 10;            // RLIMIT_CPU (soft = hard)
  rlim_t address_space_bytes = 0;     // RLIMIT_AS (ASan builds: on top of what is already
                                      // mapped, since ASan reserves terabytes; isolation.cc)
  rlim_t file_size_bytes = 0;         // RLIMIT_FSIZE
  rlim_t open_files = 64;             // RLIMIT_NOFILE
  rlim_t processes = 64;              // RLIMIT_NPROC (threads count)
  bool drop_uid = false;              // setresgid/setresuid to uid/gid below
  uid_t uid = 65534;
  gid_t gid = 65534;
  int landlock_ruleset_fd = -1;         // fd number AFTER renumbering (one of 3, 4, ...); closed
                                        // once enforced; -1: no Landlock (allow_weaker)
  const sock_fprog* seccomp = nullptr;  // nullptr: no seccomp (allow_weaker)
};

// Names of the steps, indexed by the value ApplyIsolation returns (1-based; 0 = success).
const char* IsolationStepName(int step);

// Applies the plan to the calling (freshly forked, single-threaded) process. Returns 0, or the
// failed step with its errno in *error. Post-fork safe.
int ApplyIsolation(const ChildPlan& plan, int* error);

}  // namespace ilf::sandbox
