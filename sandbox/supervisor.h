// Theory of operation of the sandbox (ilf_sandbox + the ilf-sandbox helper).
//
// Processes and pipes:
//   ilf (may hold LibTorch/CUDA; never forks untrusted code)
//     └─ ilf-sandbox helper ×N (pool.cc; Boost.Process; frames on stdin/stdout, protocol.h)
//          single-threaded; at start: unshares user/net/ipc/uts/mount namespaces (namespaces.h),
//          initialises the zygote interpreter (zygote.h), compiles the seccomp policy
//          (seccomp_policy.h), opens the Landlock read-only roots (landlock.h).
//          Per execution it creates a scratch directory and these pipes, then forks two children:
//        ├─ U, untrusted (own pid namespace): runs the program, then answers call requests.
//        │    fd 0 /dev/null, 1/2 capture pipes, 3 requests from E, 4 replies to E, 5 setup errors
//        └─ E, evaluator (trusted code only): runs setup and tests; program names are proxies
//             that forward calls to U. fd 3 requests to U, 4 replies from U, 5 result records to
//             the helper (U has no end of this pipe), 6 setup errors.
//   Both children apply the same checklist (isolation.h) before any Python runs: setsid, stdio,
//   close every other fd, chdir scratch, rlimits, drop to uid 65534 (when root), drop
//   capabilities, not dumpable, no_new_privs, parent-death signal, Landlock, seccomp.
//   The helper polls the capture pipes, the result pipe and both pidfds; it kills both children
//   (and their process groups; U's pid namespace dies with it) at the wall-clock limit or the
//   output cap, reaps them with wait4 for rusage, measures and removes the scratch directory, and
//   classifies (classify.h). Nothing U writes reaches the verdict except through E's decisions.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sandbox/landlock.h"
#include "sandbox/namespaces.h"
#include "sandbox/sandbox.h"
#include "sandbox/zygote.h"

namespace ilf::sandbox {

class Supervisor {
 public:
  // `landlock` and `seccomp` may be null/empty only under allow_weaker. Creates the helper's
  // private base directory under /tmp (removed by the destructor).
  Supervisor(Zygote* zygote, const NamespaceSetup& namespaces,
             std::unique_ptr<LandlockPolicy> landlock, std::vector<sock_filter> seccomp);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Runs one request; never throws (our failures become SANDBOX_ERROR).
  ExecResult Run(const ExecRequest& request);
  bool scratch_tmpfs() const { return scratch_tmpfs_; }

 private:
  Zygote* zygote_;
  NamespaceSetup namespaces_;
  std::unique_ptr<LandlockPolicy> landlock_;
  std::vector<sock_filter> seccomp_;
  sock_fprog seccomp_program_{};
  std::string base_dir_;
  int devnull_ = -1;
  bool scratch_tmpfs_ = false;  // base_dir_ is a tmpfs private to the helper's mount namespace
  uint64_t counter_ = 0;
};

}  // namespace ilf::sandbox
