#include "sandbox/isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/landlock.h"
#include "sandbox/seccomp.h"

namespace ilf::sandbox {
namespace {

constexpr int kParkBase = 1000;  // kept fds are parked here before being renumbered

enum Step {
  kOk = 0,
  kSetsid,
  kStdio,
  kParkFds,
  kPlaceFds,
  kCloseFds,
  kChdir,
  kRlimitCpu,
  kRlimitAs,
  kRlimitFsize,
  kRlimitNofile,
  kRlimitNproc,
  kRlimitCore,
  kSetresgid,
  kSetresuid,
  kCapset,
  kDumpable,
  kNoNewPrivs,
  kDeathSignal,
  kLandlock,
  kSeccomp,
  kStepCount,
};

// clang-format off
constexpr const char* kStepNames[kStepCount] = {
    "ok", "setsid", "dup2 stdio", "park kept fds", "place kept fds", "close_range",
    "chdir scratch", "setrlimit(RLIMIT_CPU)", "setrlimit(RLIMIT_AS)", "setrlimit(RLIMIT_FSIZE)",
    "setrlimit(RLIMIT_NOFILE)", "setrlimit(RLIMIT_NPROC)", "setrlimit(RLIMIT_CORE)",
    "setresgid", "setresuid", "capset (drop all)", "prctl(PR_SET_DUMPABLE, 0)",
    "prctl(PR_SET_NO_NEW_PRIVS)", "prctl(PR_SET_PDEATHSIG)", "landlock_restrict_self",
    "seccomp(SET_MODE_FILTER)"};
// clang-format on

bool Limit(int resource, rlim_t value) {
  struct rlimit limit = {value, value};
  return setrlimit(resource, &limit) == 0;
}

}  // namespace

const char* IsolationStepName(int step) {
  return step >= 0 && step < kStepCount ? kStepNames[step] : "unknown step";
}

int ApplyIsolation(const ChildPlan& plan, int* error) {
#define ILF_STEP(step, ok) \
  if (!(ok)) {             \
    *error = errno;        \
    return step;           \
  }
  ILF_STEP(kSetsid, setsid() >= 0);
  ILF_STEP(kStdio, dup2(plan.stdin_fd, 0) == 0 && dup2(plan.stdout_fd, 1) == 1 &&
                       dup2(plan.stderr_fd, 2) == 2);
  for (int i = 0; i < plan.kept_count; ++i) {
    ILF_STEP(kParkFds, dup2(plan.kept_fds[i], kParkBase + i) == kParkBase + i);
  }
  for (int i = 0; i < plan.kept_count; ++i) {
    ILF_STEP(kPlaceFds, dup2(kParkBase + i, 3 + i) == 3 + i);
  }
  ILF_STEP(kCloseFds, syscall(SYS_close_range, 3 + plan.kept_count, ~0u, 0) == 0);
  ILF_STEP(kChdir, chdir(plan.scratch_dir) == 0);
  ILF_STEP(kRlimitCpu, Limit(RLIMIT_CPU, plan.cpu_seconds));
  ILF_STEP(kRlimitAs, Limit(RLIMIT_AS, plan.address_space_bytes));
  ILF_STEP(kRlimitFsize, Limit(RLIMIT_FSIZE, plan.file_size_bytes));
  ILF_STEP(kRlimitNofile, Limit(RLIMIT_NOFILE, plan.open_files));
  ILF_STEP(kRlimitNproc, Limit(RLIMIT_NPROC, plan.processes));
  ILF_STEP(kRlimitCore, Limit(RLIMIT_CORE, 0));
  if (plan.drop_uid) {
    ILF_STEP(kSetresgid, setresgid(plan.gid, plan.gid, plan.gid) == 0);
    ILF_STEP(kSetresuid, setresuid(plan.uid, plan.uid, plan.uid) == 0);
  }
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  ILF_STEP(kCapset, syscall(SYS_capset, &header, data) == 0);
  // After the credential change: both settings are reset when credentials change.
  ILF_STEP(kDumpable, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0);
  ILF_STEP(kNoNewPrivs, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
  ILF_STEP(kDeathSignal, prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0);
  if (plan.landlock_ruleset_fd >= 0) {
    int rc = EnforceLandlock(plan.landlock_ruleset_fd);
    errno = rc;
    ILF_STEP(kLandlock, rc == 0);
    close(plan.landlock_ruleset_fd);
  }
  if (plan.seccomp != nullptr) {
    int rc = LoadSeccompFilter(plan.seccomp);
    errno = rc;
    ILF_STEP(kSeccomp, rc == 0);
  }
#undef ILF_STEP
  return kOk;
}

}  // namespace ilf::sandbox
