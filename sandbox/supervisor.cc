#include "sandbox/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>

#include "sandbox/classify.h"
#include "sandbox/isolation.h"
#include "src/core/error.h"

namespace ilf::sandbox {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kTailBytes = 4096;          // kept of each of stdout/stderr
constexpr size_t kMaxRecordBytes = 16 << 20; // E's records
constexpr int64_t kGraceMs = 100;            // U may take this long to exit after E is done
constexpr int kSetupFailedExit = 121;

// One pipe whose ends close themselves.
struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) r = fds[0], w = fds[1];
  }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return r >= 0 && w >= 0; }
  void CloseRead() {
    if (r >= 0) close(r), r = -1;
  }
  void CloseWrite() {
    if (w >= 0) close(w), w = -1;
  }
};

struct SetupFailure {
  char who;   // 'U' or 'E'
  int step;
  int error;
};

// Child side of the fork: isolate, report a failed step, close the setup pipe, run Python.
// `setup_fd` is the setup pipe's number after renumbering; before that (steps 1-3) the original.
[[noreturn]] void ChildMain(Zygote* zygote, const ChildPlan& plan, char who, int setup_fd,
                            int original_setup_fd, const ExecRequest& request) {
  zygote->AfterForkChild();
  prctl(PR_SET_NAME, who == 'U' ? "ilf-untrusted" : "ilf-evaluator", 0, 0, 0);
  int error = 0;
  int step = ApplyIsolation(plan, &error);
  if (step != 0) {
    if (step <= 3) setup_fd = original_setup_fd;
    SetupFailure failure{who, step, error};
    (void)!write(setup_fd, &failure, sizeof failure);
    _exit(kSetupFailedExit);
  }
  close(setup_fd);
  if (who == 'U') zygote->RunUntrusted(request.program, 3, 4);
  zygote->RunEvaluator(request.setup, request.tests, 3, 4, 5);
}

void KillTree(pid_t pid) {
  if (pid <= 0) return;
  kill(-pid, SIGKILL);  // its process group (setsid made it the leader)
  kill(pid, SIGKILL);   // and U's pid namespace dies with its init
}

struct Child {
  pid_t pid = -1;
  int pidfd = -1;
  ChildStatus status;
  struct rusage usage {};
  Clock::time_point exit_time;
  // Reaps the child if it has exited (blocking only when `block`).
  void Reap(bool block = true) {
    int wstatus = 0;
    if (status.reaped || wait4(pid, &wstatus, block ? 0 : WNOHANG, &usage) != pid) return;
    status.reaped = true;
    status.exited = WIFEXITED(wstatus);
    status.exit_code = status.exited ? WEXITSTATUS(wstatus) : 0;
    status.signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    exit_time = Clock::now();
    if (pidfd >= 0) close(pidfd), pidfd = -1;
  }
};

// Captures a stream: counts every byte, keeps the last kTailBytes.
struct Capture {
  std::string tail;
  int64_t total = 0;
  void Add(const char* data, size_t n) {
    total += static_cast<int64_t>(n);
    tail.append(data, n);
    if (tail.size() > 2 * kTailBytes) tail.erase(0, tail.size() - kTailBytes);
  }
  std::string Tail() const {
    return tail.size() > kTailBytes ? tail.substr(tail.size() - kTailBytes) : tail;
  }
};

// Reads what is available; returns false at EOF.
bool Drain(int fd, const std::function<void(const char*, size_t)>& sink) {
  char buffer[65536];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      sink(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

int64_t DirectoryBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) total += st.st_size;
  }
  return total;
}

ExecResult SandboxFailure(const std::string& detail) {
  ExecResult result;
  result.verdict = Verdict::kSandboxError;
  result.detail = detail;
  return result;
}

}  // namespace

Supervisor::Supervisor(Zygote* zygote, const NamespaceSetup& namespaces,
                       std::unique_ptr<LandlockPolicy> landlock, std::vector<sock_filter> seccomp)
    : zygote_(zygote),
      namespaces_(namespaces),
      landlock_(std::move(landlock)),
      seccomp_(std::move(seccomp)) {
  seccomp_program_.len = static_cast<unsigned short>(seccomp_.size());
  seccomp_program_.filter = seccomp_.data();
  char pattern[] = "/tmp/ilf-sandbox-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    throw EnvironmentError(std::string("sandbox: cannot create a scratch base under /tmp: ") +
                           strerror(errno));
  }
  base_dir_ = pattern;
  chmod(base_dir_.c_str(), 0711);  // children (uid 65534) traverse it to reach their own dir
  // In the helper's own mount namespace, a tmpfs over the base: creating and removing scratch
  // directories is cheap, and neither the host nor other helpers can see them.
  if (std::find(namespaces_.active.begin(), namespaces_.active.end(), "mount-ns") !=
      namespaces_.active.end()) {
    scratch_tmpfs_ = mount("ilf-scratch", base_dir_.c_str(), "tmpfs",
                           MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1g,mode=0711") == 0;
  }
  devnull_ = open("/dev/null", O_RDWR | O_CLOEXEC);
}

Supervisor::~Supervisor() {
  if (scratch_tmpfs_) umount2(base_dir_.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(base_dir_, ec);
  if (devnull_ >= 0) close(devnull_);
}

ExecResult Supervisor::Run(const ExecRequest& request) {
  const Clock::time_point start = Clock::now();
  const Limits& limits = request.limits;
  std::string scratch = base_dir_ + "/e" + std::to_string(counter_++);
  if (mkdir(scratch.c_str(), 0700) != 0) {
    return SandboxFailure("mkdir " + scratch + ": " + strerror(errno));
  }
  if (namespaces_.can_drop_uid && chown(scratch.c_str(), namespaces_.child_uid,
                                        namespaces_.child_gid) != 0) {
    return SandboxFailure("chown " + scratch + ": " + strerror(errno));
  }
  struct ScratchRemover {
    std::string path;
    ~ScratchRemover() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remover{scratch};
  Pipe calls, replies, results, out, err, setup;
  if (!calls.ok() || !replies.ok() || !results.ok() || !out.ok() || !err.ok() || !setup.ok()) {
    return SandboxFailure(std::string("pipe2: ") + strerror(errno));
  }
  int ruleset = landlock_ ? landlock_->BuildRuleset(scratch) : -1;
  if (landlock_ && ruleset < 0) {
    return SandboxFailure(std::string("landlock ruleset: ") + strerror(-ruleset));
  }

  ChildPlan plan;
  plan.stdin_fd = devnull_;
  plan.stdout_fd = out.w;
  plan.stderr_fd = err.w;
  plan.scratch_dir = scratch.c_str();
  plan.cpu_seconds = static_cast<rlim_t>((limits.cpu_time_ms + 999) / 1000);
  plan.address_space_bytes = static_cast<rlim_t>(limits.memory_mib) << 20;
  plan.file_size_bytes = static_cast<rlim_t>(limits.file_size_mib) << 20;
  plan.open_files = static_cast<rlim_t>(limits.open_files);
  plan.drop_uid = namespaces_.can_drop_uid;
  plan.uid = namespaces_.child_uid;
  plan.gid = namespaces_.child_gid;
  plan.seccomp = seccomp_.empty() ? nullptr : &seccomp_program_;
  ChildPlan u_plan = plan;
  int u_fds[] = {calls.r, replies.w, setup.w, ruleset};
  u_plan.kept_count = ruleset >= 0 ? 4 : 3;
  std::copy(u_fds, u_fds + 4, u_plan.kept_fds);
  u_plan.landlock_ruleset_fd = ruleset >= 0 ? 6 : -1;
  ChildPlan e_plan = plan;
  int e_fds[] = {calls.w, replies.r, results.w, setup.w, ruleset};
  e_plan.kept_count = ruleset >= 0 ? 5 : 4;
  std::copy(e_fds, e_fds + 5, e_plan.kept_fds);
  e_plan.landlock_ruleset_fd = ruleset >= 0 ? 7 : -1;
  // E handles U's data: more room, same walls.
  e_plan.address_space_bytes += rlim_t{512} << 20;
  e_plan.cpu_seconds += 1;

  Child u, e;
  zygote_->BeforeFork();
  u.pid = namespaces_.pid_ns
              ? static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0))
              : fork();
  if (u.pid == 0) ChildMain(zygote_, u_plan, 'U', 5, setup.w, request);
  int fork_errno = errno;
  zygote_->AfterForkParent();
  if (u.pid > 0) {
    zygote_->BeforeFork();
    e.pid = fork();
    if (e.pid == 0) ChildMain(zygote_, e_plan, 'E', 6, setup.w, request);
    fork_errno = errno;
    zygote_->AfterForkParent();
  }
  if (ruleset >= 0) close(ruleset);
  calls.CloseRead(), calls.CloseWrite(), replies.CloseRead(), replies.CloseWrite();
  results.CloseWrite(), out.CloseWrite(), err.CloseWrite(), setup.CloseWrite();
  if (u.pid < 0 || e.pid < 0) {
    KillTree(u.pid);
    if (u.pid > 0) u.Reap();
    return SandboxFailure(std::string("fork: ") + strerror(fork_errno));
  }
  u.pidfd = static_cast<int>(syscall(SYS_pidfd_open, u.pid, 0));
  e.pidfd = static_cast<int>(syscall(SYS_pidfd_open, e.pid, 0));
  for (int fd : {out.r, err.r, results.r, setup.r}) fcntl(fd, F_SETFL, O_NONBLOCK);

  Observation obs;
  obs.limits = limits;
  obs.test_count = request.tests.size();
  Capture out_capture, err_capture;
  std::string records;
  auto over_output = [&] { return out_capture.total + err_capture.total > limits.output_bytes; };
  auto kill_both = [&] {
    if (!u.status.reaped) KillTree(u.pid);
    if (!e.status.reaped) KillTree(e.pid);
  };
  const Clock::time_point deadline = start + std::chrono::milliseconds(limits.wall_time_ms);
  int open_fds[3] = {out.r, err.r, results.r};
  while (!u.status.reaped || !e.status.reaped) {
    Clock::time_point now = Clock::now();
    if (now >= deadline && !obs.wall_timeout && !obs.output_exceeded) {
      obs.wall_timeout = true;
      kill_both();
    }
    if (e.status.reaped && !u.status.reaped && !obs.untrusted_killed_by_us &&
        now >= e.exit_time + std::chrono::milliseconds(kGraceMs)) {
      obs.untrusted_killed_by_us = true;
      KillTree(u.pid);
    }
    Clock::time_point wake = e.status.reaped ? std::min(deadline, e.exit_time +
                                                        std::chrono::milliseconds(kGraceMs))
                                             : deadline;
    int timeout_ms = static_cast<int>(std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1));
    pollfd fds[5] = {{open_fds[0], POLLIN, 0}, {open_fds[1], POLLIN, 0},
                     {open_fds[2], POLLIN, 0}, {u.pidfd, POLLIN, 0}, {e.pidfd, POLLIN, 0}};
    if (u.pidfd < 0 || e.pidfd < 0) timeout_ms = std::min(timeout_ms, 5);  // no pidfd: poll
    if (poll(fds, 5, timeout_ms) < 0 && errno != EINTR) break;
    for (int i = 0; i < 3; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      bool more = Drain(fds[i].fd, [&](const char* data, size_t n) {
        if (i == 0) out_capture.Add(data, n);
        if (i == 1) err_capture.Add(data, n);
        if (i == 2 && records.size() < kMaxRecordBytes) records.append(data, n);
      });
      if (!more) open_fds[i] = -1;
    }
    if (over_output() && !obs.output_exceeded && !obs.wall_timeout) {
      obs.output_exceeded = true;
      kill_both();
    }
    u.Reap(fds[3].revents != 0);
    e.Reap(fds[4].revents != 0);
  }
  // Both are reaped: their pipe ends are closed, so draining reaches EOF.
  Drain(out.r, [&](const char* d, size_t n) { out_capture.Add(d, n); });
  Drain(err.r, [&](const char* d, size_t n) { err_capture.Add(d, n); });
  Drain(results.r, [&](const char* d, size_t n) {
    if (records.size() < kMaxRecordBytes) records.append(d, n);
  });
  if (over_output() && !obs.wall_timeout) obs.output_exceeded = true;
  SetupFailure failure;
  if (read(setup.r, &failure, sizeof failure) == sizeof failure) {
    obs.setup_failure = std::string(1, failure.who) + ": " + IsolationStepName(failure.step) +
                        ": " + strerror(failure.error);
  }
  obs.untrusted = u.status;
  obs.evaluator = e.status;
  obs.untrusted_cpu_ms = (u.usage.ru_utime.tv_sec + u.usage.ru_stime.tv_sec) * 1000.0 +
                         (u.usage.ru_utime.tv_usec + u.usage.ru_stime.tv_usec) / 1000.0;
  obs.scratch_exceeded = DirectoryBytes(scratch) >= (limits.file_size_mib << 20);
  obs.records = ParseRecords(records);

  ExecResult result;
  Classify(obs, &result);
  result.cpu_time_ms = obs.untrusted_cpu_ms;
  result.peak_memory_kib = u.usage.ru_maxrss;
  result.stdout_tail = out_capture.Tail();
  result.stderr_tail = err_capture.Tail();
  result.wall_time_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}

}  // namespace ilf::sandbox
