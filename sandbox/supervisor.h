// Theory of operation of the sandbox (ilf_sandbox + the ilf-sandbox helper).
//
// Processes and pipes:
//   ilf (may hold LibTorch/CUDA; never forks untrusted code)
//     └─ ilf-sandbox helper ×N (pool.cc; Boost.Process; frames on stdin/stdout, protocol.h)
//          single-threaded; at start: unshares user/net/ipc/uts/mount namespaces (namespaces.h),
//          mounts a private tmpfs for scratch directories, initialises the zygote interpreter
//          (zygote.h), compiles the seccomp policy (seccomp_policy.h), opens the Landlock
//          read-only roots (landlock.h), and forks the fork server, all before it reads a request:
//        ├─ Z, fork server (fork_server.h): a pristine copy of the helper at start-up; forks every
//        │    U and E (CLONE_PARENT: they are the helper's children) and never receives a
//        │    program, a test or an output, so no child inherits memory that held one.
//        ├─ E, evaluator (evaluator.h; trusted code only; reused across executions): runs setup
//        │    and tests; program names are proxies that forward calls to U. fd 3 control socket
//        │    (jobs + U's pipe ends by SCM_RIGHTS), fd 4 result records to the helper (U has no
//        │    end of this pipe). Restarted after anything abnormal and every 1000 jobs.
//        └─ U, untrusted, forked per execution into its own pid namespace: reads its program from
//             fd 6 (written by the helper after the fork), runs it, then answers E's call
//             requests. fd 0 /dev/null, 1/2 capture pipes, 3 requests from E, 4 replies to E,
//             5 setup errors (closed before any Python runs).
//   Both children apply the same checklist (isolation.h) before any Python runs: setsid, stdio,
//   close every other fd, chdir (U: a fresh scratch dir; E: its own dir), rlimits, drop to uid
//   65534 (when root), drop capabilities, not dumpable, no_new_privs, parent-death signal,
//   Landlock (signals scoped to the process's own domain), seccomp.
//   Per execution the helper polls the capture pipes, E's result pipe and the pidfds; at the
//   wall-clock limit or the output cap it kills U (its pid namespace dies with it) and restarts
//   E; it reaps U with wait4 for rusage, measures and removes the scratch directory, and
//   classifies (classify.h). Nothing U writes reaches the verdict except through E's decisions.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sandbox/evaluator.h"
#include "sandbox/fork_server.h"
#include "sandbox/isolation.h"
#include "sandbox/landlock.h"
#include "sandbox/namespaces.h"
#include "sandbox/sandbox.h"
#include "sandbox/scratch.h"
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

  // "" when the fork server runs, else why not (the helper then refuses to start).
  const std::string& error() const { return fork_server_->error(); }
  // Runs one request; never throws (our failures become SANDBOX_ERROR).
  ExecResult Run(const ExecRequest& request);
  bool scratch_tmpfs() const { return scratch_tmpfs_; }
  // Starts the evaluator now (the helper does this before saying hello); "" or why it failed.
  std::string StartEvaluator();

 private:
  ChildPlan BasePlan() const;  // stdio on /dev/null, uid, seccomp: what U and E share

  Zygote* zygote_;
  NamespaceSetup namespaces_;
  std::unique_ptr<LandlockPolicy> landlock_;
  std::vector<sock_filter> seccomp_;
  sock_fprog seccomp_program_{};
  std::string base_dir_;
  int devnull_ = -1;
  bool scratch_tmpfs_ = false;  // base_dir_ is a tmpfs private to the helper's mount namespace
  std::unique_ptr<Scratch> scratch_;  // U's working directory, reused (emptied) between runs
  uint64_t counter_ = 0;
  int64_t start_address_space_kib_ = 0;  // the helper's before the fork server: U's at start
                                         // (0 in ASan builds: the limit is on top of it)
  int64_t start_resident_kib_ = 0;       // the helper's resident memory then: U's at start
  std::unique_ptr<ForkServer> fork_server_;  // forks U and E; started by the constructor
  std::unique_ptr<Evaluator> evaluator_;
};

}  // namespace ilf::sandbox
