// The fork server Z: the process every sandbox child (U and E) is forked from.
//
// The helper forks Z once at start-up, right after the zygote interpreter is ready and before it
// reads any request. Z then only ever receives "spawn" messages: a child kind, numeric limits, a
// scratch directory path, and the child's descriptors (SCM_RIGHTS). It never holds a program, a
// test, a setup, a result or a byte of output: U reads its own program from a pipe the helper
// writes after the fork. So the memory a program inherits (and can read with ctypes) is the
// pristine zygote's, whatever the helper served before (issue 16 item 1).
//
// Children are cloned with CLONE_PARENT: they are the helper's children, so the helper reaps them
// (wait4 gives U's rusage), opens their pidfds and is their parent for PR_SET_PDEATHSIG. U also
// gets CLONE_NEWPID. Z itself runs no untrusted code and dies with the helper.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>

#include "sandbox/isolation.h"
#include "sandbox/zygote.h"

namespace ilf::sandbox {

// Every child's setup pipe is its third kept descriptor (fd 5 after renumbering); a child whose
// isolation fails writes this record there and exits with kSetupFailedExit.
struct SetupFailure {
  char who;  // 'U' or 'E'
  int step;  // IsolationStepName(step)
  int error;
};
inline constexpr int kSetupFailedExit = 121;
inline constexpr int kSetupFd = 5;
// U's descriptors after renumbering: requests from E, replies to E, setup pipe, its program.
inline constexpr int kUntrustedProgramFd = 6;

class ForkServer {
 public:
  enum class Kind : char { kUntrusted = 'U', kEvaluator = 'E' };

  // Forks Z now. `seccomp` (null under allow_weaker) is the filter every child loads; it must
  // stay valid as long as this object (Z has its own copy of the memory it points to).
  ForkServer(Zygote* zygote, const sock_fprog* seccomp);
  ~ForkServer();  // closes Z's socket (Z exits) and reaps Z
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  // "" when Z runs, else why it could not be started.
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

  // Asks Z for a child of `kind` set up by `plan` (stdio and kept fds are the caller's; the
  // plan's seccomp pointer is ignored: Z uses its own). The child is the caller's child, in a new
  // pid namespace when `new_pid_ns`. Returns its pid, or -errno.
  pid_t Spawn(Kind kind, const ChildPlan& plan, bool new_pid_ns);

 private:
  pid_t pid_ = -1;
  int socket_ = -1;
  std::string error_;
};

}  // namespace ilf::sandbox
