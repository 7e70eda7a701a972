#include "sandbox/seccomp_policy.h"

#include <errno.h>
#include <sched.h>

namespace ilf::sandbox {
namespace {

constexpr uint64_t kCloneNewFlags = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
constexpr SyscallAction A = SyscallAction::kAllow;
constexpr SyscallAction K = SyscallAction::kKill;

}  // namespace

const std::vector<SyscallRule>& SandboxPolicy() {
  // clang-format off
  static const std::vector<SyscallRule> kPolicy = {
      // Computing, memory, time.
      {"read", A}, {"write", A}, {"readv", A}, {"writev", A}, {"pread64", A}, {"pwrite64", A},
      {"lseek", A}, {"close", A}, {"mmap", A}, {"munmap", A}, {"mprotect", A}, {"mremap", A},
      {"brk", A}, {"madvise", A}, {"mincore", A}, {"membarrier", A}, {"futex", A},
      {"set_robust_list", A}, {"get_robust_list", A}, {"rseq", A}, {"set_tid_address", A},
      {"rt_sigaction", A}, {"rt_sigprocmask", A}, {"rt_sigreturn", A}, {"sigaltstack", A},
      {"rt_sigpending", A}, {"rt_sigtimedwait", A}, {"rt_sigsuspend", A}, {"pause", A},
      {"clock_gettime", A}, {"clock_getres", A}, {"clock_nanosleep", A}, {"nanosleep", A},
      {"gettimeofday", A}, {"time", A}, {"times", A}, {"getrusage", A}, {"sched_yield", A},
      {"sched_getaffinity", A}, {"sched_getparam", A}, {"sched_getscheduler", A},
      {"getrandom", A}, {"getpid", A}, {"gettid", A}, {"getppid", A}, {"getuid", A},
      {"geteuid", A}, {"getgid", A}, {"getegid", A}, {"getresuid", A}, {"getresgid", A},
      {"getgroups", A}, {"getpgrp", A}, {"getpgid", A}, {"getsid", A}, {"uname", A},
      {"sysinfo", A}, {"getrlimit", A}, {"prlimit64", A}, {"getcpu", A}, {"arch_prctl", A},
      {"exit", A}, {"exit_group", A}, {"wait4", A}, {"waitid", A},
      // Signals: Landlock's signal scope and the pid namespace confine them to the process.
      {"kill", A}, {"tkill", A}, {"tgkill", A}, {"rt_sigqueueinfo", A},
      // Files (Landlock decides which paths).
      {"openat", A}, {"open", A}, {"stat", A}, {"fstat", A}, {"lstat", A}, {"newfstatat", A},
      {"statx", A}, {"statfs", A}, {"fstatfs", A}, {"getdents64", A}, {"getcwd", A},
      {"chdir", A}, {"fchdir", A}, {"mkdir", A}, {"mkdirat", A}, {"rmdir", A}, {"unlink", A},
      {"unlinkat", A}, {"rename", A}, {"renameat", A}, {"renameat2", A}, {"readlink", A},
      {"readlinkat", A}, {"access", A}, {"faccessat", A}, {"faccessat2", A}, {"fcntl", A},
      {"dup", A}, {"dup2", A}, {"dup3", A}, {"pipe", A}, {"pipe2", A}, {"poll", A},
      {"ppoll", A}, {"select", A}, {"pselect6", A}, {"epoll_create1", A}, {"epoll_ctl", A},
      {"epoll_wait", A}, {"epoll_pwait", A}, {"eventfd2", A}, {"ioctl", A}, {"umask", A},
      {"fsync", A}, {"fdatasync", A}, {"ftruncate", A}, {"truncate", A}, {"fchmod", A},
      {"chmod", A}, {"fchmodat", A}, {"utimensat", A}, {"flock", A}, {"fadvise64", A},
      {"sendfile", A}, {"copy_file_range", A}, {"getxattr", A},
      {"lgetxattr", A}, {"fgetxattr", A}, {"close_range", A},
      // Threads: clone only with CLONE_THREAD and no CLONE_NEW*; glibc falls back from clone3.
      {"clone", A, 0, CLONE_THREAD | kCloneNewFlags, CLONE_THREAD},
      {"clone", K, 0, CLONE_THREAD, 0},
      {"clone3", SyscallAction::kErrno, ENOSYS},
      // E receives each execution's pipes over a socketpair the helper created before the fork
      // (SCM_RIGHTS). Nobody can create a socket (below), so these act on that one only.
      {"recvmsg", A}, {"recvfrom", A}, {"getsockopt", A}, {"getsockname", A},
      // Sockets of every family: refused, so Python raises PermissionError.
      {"socket", SyscallAction::kErrno, EACCES}, {"socketpair", SyscallAction::kErrno, EACCES},
      // Process creation, other processes' memory, kernel attack surface: kill (BLOCKED).
      {"fork", K}, {"vfork", K}, {"execve", K}, {"execveat", K}, {"ptrace", K},
      {"process_vm_readv", K}, {"process_vm_writev", K}, {"process_madvise", K},
      {"pidfd_getfd", K}, {"bpf", K}, {"io_uring_setup", K}, {"io_uring_enter", K},
      {"io_uring_register", K}, {"keyctl", K}, {"add_key", K}, {"request_key", K}, {"mount", K},
      {"umount2", K}, {"pivot_root", K}, {"chroot", K}, {"unshare", K}, {"setns", K},
      {"kexec_load", K}, {"kexec_file_load", K}, {"reboot", K}, {"perf_event_open", K},
      {"userfaultfd", K}, {"init_module", K}, {"finit_module", K}, {"delete_module", K},
      {"open_by_handle_at", K}, {"name_to_handle_at", K}, {"fsopen", K}, {"fsmount", K},
      {"fspick", K}, {"move_mount", K}, {"open_tree", K}, {"mount_setattr", K},
      {"swapon", K}, {"swapoff", K}, {"acct", K}, {"quotactl", K}, {"syslog", K},
      {"setuid", K}, {"setgid", K}, {"setreuid", K}, {"setregid", K}, {"setresuid", K},
      {"setresgid", K}, {"setgroups", K}, {"capset", K}, {"personality", K},
      {"modify_ldt", K}, {"iopl", K}, {"ioperm", K}, {"seccomp", K},
  };
  // clang-format on
  return kPolicy;
}

}  // namespace ilf::sandbox
