#include "sandbox/baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace ilf::sandbox {
namespace {

struct rlimit Both(rlim_t value) { return {value, value}; }

}  // namespace

BaselineResult RunFreshPython(const std::string& python, const std::string& source,
                              const Limits& limits) {
  BaselineResult result;
  char path[] = "/tmp/ilf-baseline-XXXXXX.py";
  int fd = mkstemps(path, 3);
  if (fd < 0) {
    result.detail = std::string("mkstemps: ") + strerror(errno);
    return result;
  }
  bool written = write(fd, source.data(), source.size()) == static_cast<ssize_t>(source.size());
  close(fd);
  if (!written) {
    unlink(path);
    result.detail = "cannot write the temporary program";
    return result;
  }
  // Everything the child needs is prepared before vfork: the child only makes system calls.
  // vfork, not fork: the baseline is what a fresh interpreter costs, not what copying this
  // process's page tables costs (with LibTorch loaded, a fork of `ilf` costs more than python3's
  // whole start-up). Python's own subprocess module starts processes the same way.
  const char* args[] = {python.c_str(), "-I", "-S", path, nullptr};
  const char* env[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", nullptr};
  const struct rlimit cpu = Both(static_cast<rlim_t>((limits.cpu_time_ms + 999) / 1000));
  const struct rlimit as = Both(static_cast<rlim_t>(limits.memory_mib) << 20);
  const struct rlimit fsize = Both(static_cast<rlim_t>(limits.file_size_mib) << 20);
  const struct rlimit nofile = Both(static_cast<rlim_t>(limits.open_files));
  const struct rlimit core = Both(0);
  const int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = vfork();
  if (pid == 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    syscall(SYS_close_range, 3, ~0u, 0);
    setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_AS, &as);
    setrlimit(RLIMIT_FSIZE, &fsize);
    setrlimit(RLIMIT_NOFILE, &nofile);
    setrlimit(RLIMIT_CORE, &core);
    execve(args[0], const_cast<char* const*>(args), const_cast<char* const*>(env));
    _exit(127);
  }
  if (devnull >= 0) close(devnull);
  if (pid < 0) {
    unlink(path);
    result.detail = std::string("vfork: ") + strerror(errno);
    return result;
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  pollfd wait_fd = {pidfd, POLLIN, 0};
  bool timed_out = pidfd >= 0 && poll(&wait_fd, 1, static_cast<int>(limits.wall_time_ms)) == 0;
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (pidfd >= 0) close(pidfd);
  result.wall_time_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  unlink(path);
  result.passed = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  result.detail = timed_out           ? "timeout"
                  : WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                      : "signal " + std::to_string(WTERMSIG(status));
  return result;
}

}  // namespace ilf::sandbox
