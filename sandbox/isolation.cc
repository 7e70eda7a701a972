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

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer builds only (-DILF_SANITIZE=ON). ASan reserves terabytes of address space at
// start-up (shadow memory, allocator regions: PROT_NONE, MAP_NORESERVE), and RLIMIT_AS counts
// reservations: under a plain limit of a few hundred MiB every later mmap fails with ENOMEM and
// ASan dies ("ERROR: Failed to mmap", exit 1) before the harness runs. So the limit here is what
// the process has mapped at this point (mm->total_vm, first field of /proc/self/statm) plus the
// plan's bytes: the child can still map only address_space_bytes more, and a memory bomb still
// ends in MemoryError (helper_main.cc sets allocator_may_return_null=1, so ASan's malloc returns
// NULL instead of aborting). Normal builds apply the plain limit; none of this is compiled there.
// open/read/close only: post-fork safe, nothing allocates. Returns false with errno set.
bool MappedBytes(rlim_t* bytes) {
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char text[64];
  ssize_t n = read(fd, text, sizeof text);
  close(fd);
  rlim_t pages = 0;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; ++i) {
    pages = pages * 10 + static_cast<rlim_t>(text[i] - '0');
  }
  if (pages == 0) {
    errno = n < 0 ? errno : EIO;
    return false;
  }
  *bytes = pages * static_cast<rlim_t>(getpagesize());
  return true;
}

bool LimitAddressSpace(rlim_t bytes) {
  if (bytes == RLIM_INFINITY) return Limit(RLIMIT_AS, bytes);
  rlim_t mapped = 0;
  return MappedBytes(&mapped) && Limit(RLIMIT_AS, mapped + bytes);
}
#else
bool LimitAddressSpace(rlim_t bytes) { return Limit(RLIMIT_AS, bytes); }
#endif

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
  ILF_STEP(kRlimitAs, LimitAddressSpace(plan.address_space_bytes));
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
