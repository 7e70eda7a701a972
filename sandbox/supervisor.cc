#include "sandbox/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
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
#include "sandbox/deadline.h"
#include "sandbox/isolation.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"

namespace ilf::sandbox {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kTailBytes = 4096;           // kept of each of stdout/stderr
constexpr size_t kMaxRecordBytes = 16 << 20;  // E's records
constexpr int64_t kGraceMs = 100;  // U may take this long to exit after E is done without it

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

// Writes all of `data` (blocking); false when the reader is gone.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// This process's address space and resident memory (first two fields of /proc/self/statm), KiB;
// 0 when unreadable.
struct MemoryKib {
  int64_t address_space = 0;
  int64_t resident = 0;
};
MemoryKib OwnMemoryKib() {
  FILE* statm = fopen("/proc/self/statm", "re");
  long pages[2] = {0, 0};
  if (statm == nullptr) return {};
  if (fscanf(statm, "%ld %ld", &pages[0], &pages[1]) != 2) pages[0] = pages[1] = 0;
  fclose(statm);
  const int64_t page_kib = sysconf(_SC_PAGESIZE) / 1024;
  return {pages[0] * page_kib, pages[1] * page_kib};
}

constexpr char kScratchMount[] = "/tmp";
constexpr unsigned long kScratchFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// tmpfs options bounding the scratch filesystem by an execution's limits: in total no more than
// the file size limit (plus 1 MiB for directories and E's own directory), and 1024 + 64 per MiB
// of it inodes (each costs the host about 1 KiB of kernel memory).
std::string ScratchOptions(const Limits& limits) {
  return "size=" + std::to_string(limits.file_size_mib + 1) + "m,nr_inodes=" +
         std::to_string(1024 + 64 * limits.file_size_mib);
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
  // In the helper's own mount namespace, a tmpfs over /tmp holds the scratch directories:
  // creating and removing them is cheap, neither the host nor other helpers can see them, and
  // nothing is left on the host when the helper is killed. Its size and inode count are set
  // per execution from the execution's limits (BoundScratch).
  if (std::find(namespaces_.active.begin(), namespaces_.active.end(), "mount-ns") !=
      namespaces_.active.end()) {
    scratch_tmpfs_ = mount("ilf-scratch", kScratchMount, "tmpfs", kScratchFlags,
                           "size=64m,nr_inodes=4096,mode=0711") == 0;
  }
  if (scratch_tmpfs_) {
    base_dir_ = std::string(kScratchMount) + "/ilf-sandbox";
    if (mkdir(base_dir_.c_str(), 0711) != 0) {
      throw EnvironmentError("sandbox: cannot create " + base_dir_ + ": " + strerror(errno));
    }
  } else {  // no mount namespace (--allow-weaker-sandbox): a directory on the host's /tmp
    char pattern[] = "/tmp/ilf-sandbox-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      throw EnvironmentError(std::string("sandbox: cannot create a scratch base under /tmp: ") +
                             strerror(errno));
    }
    base_dir_ = pattern;
  }
  chmod(base_dir_.c_str(), 0711);  // children (uid 65534) traverse it to reach their own dir
  devnull_ = open("/dev/null", O_RDWR | O_CLOEXEC);
  scratch_ = std::make_unique<Scratch>(base_dir_, landlock_.get(), namespaces_.can_drop_uid,
                                       namespaces_.child_uid, namespaces_.child_gid);
  const MemoryKib memory = OwnMemoryKib();
#if defined(__SANITIZE_ADDRESS__)
  // ASan builds set RLIMIT_AS on top of what a child has mapped (isolation.cc): the whole limit
  // is room, and the terabytes ASan reserves must not be subtracted from it.
  start_address_space_kib_ = 0;
#else
  start_address_space_kib_ = memory.address_space;
#endif
  start_resident_kib_ = memory.resident;
  // Last: the fork server's memory is the helper's as of now, before any request.
  fork_server_ = std::make_unique<ForkServer>(zygote_, seccomp_.empty() ? nullptr : &seccomp_program_);
  evaluator_ = std::make_unique<Evaluator>(fork_server_.get());
}

Supervisor::~Supervisor() {
  evaluator_.reset();
  fork_server_.reset();
  scratch_.reset();
  if (scratch_tmpfs_) {
    umount2(kScratchMount, MNT_DETACH);
  } else {
    std::error_code ec;
    std::filesystem::remove_all(base_dir_, ec);
  }
  if (devnull_ >= 0) close(devnull_);
}

ExecResult Supervisor::Run(const ExecRequest& request) {
  const Clock::time_point start = Clock::now();
  const Limits& limits = request.limits;
  if (evaluator_->worn_out()) evaluator_->Stop();
  if (!evaluator_->running()) {
    std::string error = StartEvaluator();
    if (!error.empty()) return SandboxFailure(error);
  }
  const uint64_t id = counter_++;
  std::string scratch_error = scratch_->Ready();
  if (!scratch_error.empty()) return SandboxFailure(scratch_error);
  const std::string& scratch = scratch_->path();
  if (scratch_tmpfs_ && mount(nullptr, kScratchMount, nullptr, MS_REMOUNT | kScratchFlags,
                              ScratchOptions(limits).c_str()) != 0) {
    return SandboxFailure(std::string("remounting the scratch tmpfs: ") + strerror(errno));
  }
  struct ScratchCleaner {
    Scratch* scratch;
    ~ScratchCleaner() { scratch->Clean(); }
  } cleaner{scratch_.get()};
  Pipe calls, replies, out, err, setup, program;
  if (!calls.ok() || !replies.ok() || !out.ok() || !err.ok() || !setup.ok() || !program.ok()) {
    return SandboxFailure(std::string("pipe2: ") + strerror(errno));
  }
  const int ruleset = scratch_->ruleset();
  ChildPlan plan = BasePlan();
  plan.stdout_fd = out.w;
  plan.stderr_fd = err.w;
  plan.scratch_dir = scratch.c_str();
  // Rounded up to whole seconds, without overflowing for a limit near INT64_MAX.
  plan.cpu_seconds = static_cast<rlim_t>(std::max<int64_t>(limits.cpu_time_ms, 0) / 1000 +
                                         (limits.cpu_time_ms % 1000 > 0 ? 1 : 0));
  plan.address_space_bytes = static_cast<rlim_t>(limits.memory_mib) << 20;
  plan.file_size_bytes = static_cast<rlim_t>(limits.file_size_mib) << 20;
  plan.open_files = static_cast<rlim_t>(limits.open_files);
  // Become fds 3 (requests from E), 4 (replies to E), 5 (setup), 6 (the program), 7 (ruleset).
  int kept[] = {calls.r, replies.w, setup.w, program.r, ruleset};
  plan.kept_count = ruleset >= 0 ? 5 : 4;
  std::copy(kept, kept + 5, plan.kept_fds);
  plan.landlock_ruleset_fd = ruleset >= 0 ? 7 : -1;

  // U comes from the fork server, which never saw a request; it reads its program from a pipe.
  Child u;
  u.pid = fork_server_->Spawn(ForkServer::Kind::kUntrusted, plan, namespaces_.pid_ns);
  calls.CloseRead(), replies.CloseWrite(), out.CloseWrite(), err.CloseWrite(), setup.CloseWrite();
  program.CloseRead();
  if (u.pid < 0) {
    evaluator_->Stop();
    return SandboxFailure(std::string("fork server: ") + strerror(-u.pid));
  }
  u.pidfd = static_cast<int>(syscall(SYS_pidfd_open, u.pid, 0));
  WriteAll(program.w, request.program);  // fails only when U is gone: it then has no program
  program.CloseWrite();
  Observation obs;
  obs.evaluator = {true, true, 0, 0};
  if (!evaluator_->Submit(id, request, calls.w, replies.r)) {
    KillTree(u.pid);
    u.Reap();
    evaluator_->Stop(&obs.evaluator);
    return SandboxFailure("the evaluator did not accept the job (" + std::string(strerror(errno)) +
                          ")");
  }
  calls.CloseWrite(), replies.CloseRead();  // E and U hold the only ends now
  for (int fd : {out.r, err.r, setup.r}) fcntl(fd, F_SETFL, O_NONBLOCK);

  obs.limits = limits;
  obs.test_count = request.tests.size();
  Capture out_capture, err_capture;
  bool evaluator_done = false, evaluator_dead = false;
  bool released = false;  // E told U the tests are over: U ends as CPython would, within the limit
  Clock::time_point done_time;
  auto over_output = [&] { return out_capture.total + err_capture.total > limits.output_bytes; };
  // Limits: U dies; E is restarted too, since it may be busy in a test that never ends.
  auto kill_all = [&] {
    if (!u.status.reaped) KillTree(u.pid);
    if (!evaluator_done && !evaluator_dead) {
      evaluator_->Stop(&obs.evaluator);
      evaluator_dead = true;
    }
  };
  // Every line E writes must be a record of this execution: one that does not parse, or names
  // another execution, is a protocol failure (never skipped: a lost record could turn into PASS).
  auto take_records = [&] {
    std::string& pending = evaluator_->pending();
    size_t line_end;
    while ((line_end = pending.find('\n')) != std::string::npos) {
      nlohmann::json record = TryParseJson(pending.substr(0, line_end));
      pending.erase(0, line_end + 1);
      // Fields by comparison, not value<T>(): a mistyped one is no type_error or float cast here.
      if (!record.is_object() || record.value("id", nlohmann::json()) != id) {
        if (obs.protocol_error.empty()) obs.protocol_error = "unreadable evaluator record";
        kill_all();
        evaluator_dead = true;
        return;
      }
      const nlohmann::json kind = record.value("t", nlohmann::json());
      if (kind == "done" || kind == "harness_error") {
        evaluator_done = true;
        done_time = Clock::now();
        released = kind == "done" && record.value("released", nlohmann::json()) == true;
      }
      obs.records.push_back(std::move(record));
    }
  };
  const Clock::time_point deadline = DeadlineAfter(start, limits.wall_time_ms);
  int capture_fds[2] = {out.r, err.r};
  while (!u.status.reaped || !(evaluator_done || evaluator_dead)) {
    Clock::time_point now = Clock::now();
    if (now >= deadline && !obs.wall_timeout && !obs.output_exceeded) {
      obs.wall_timeout = true;
      kill_all();
    }
    if (evaluator_done && !released && !u.status.reaped && !obs.untrusted_killed_by_us &&
        now >= done_time + std::chrono::milliseconds(kGraceMs)) {
      obs.untrusted_killed_by_us = true;
      KillTree(u.pid);
    }
    Clock::time_point wake = evaluator_done && !released
                                 ? std::min(deadline, DeadlineAfter(done_time, kGraceMs))
                                 : deadline;
    int timeout_ms = PollTimeoutMs(now, wake);
    bool e_live = !evaluator_done && !evaluator_dead;
    if (u.pidfd < 0 || (e_live && evaluator_->pidfd() < 0)) timeout_ms = std::min(timeout_ms, 5);
    pollfd fds[5] = {{capture_fds[0], POLLIN, 0},
                     {capture_fds[1], POLLIN, 0},
                     {e_live ? evaluator_->result_fd() : -1, POLLIN, 0},
                     {u.status.reaped ? -1 : u.pidfd, POLLIN, 0},
                     {e_live ? evaluator_->pidfd() : -1, POLLIN, 0}};
    if (poll(fds, 5, timeout_ms) < 0 && errno != EINTR) {
      // Cannot watch any more: U must not run on unobserved.
      obs.protocol_error = std::string("poll: ") + strerror(errno);
      kill_all();
      evaluator_dead = true;
      u.Reap();
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      Capture& capture = i == 0 ? out_capture : err_capture;
      if (!Drain(fds[i].fd, [&](const char* d, size_t n) { capture.Add(d, n); })) {
        capture_fds[i] = -1;
      }
    }
    if (e_live && fds[2].revents != 0) {
      Drain(evaluator_->result_fd(), [&](const char* d, size_t n) {
        if (evaluator_->pending().size() < kMaxRecordBytes) {
          evaluator_->pending().append(d, n);
        } else if (obs.protocol_error.empty()) {
          obs.protocol_error = "evaluator record over " + std::to_string(kMaxRecordBytes) + " bytes";
        }
      });
      take_records();
    }
    if (over_output() && !obs.output_exceeded && !obs.wall_timeout) {
      obs.output_exceeded = true;
      kill_all();
    }
    u.Reap(fds[3].revents != 0);
    if (e_live && !evaluator_done && (fds[4].revents != 0 || evaluator_->pidfd() < 0) &&
        evaluator_->ReapIfExited(&obs.evaluator)) {
      evaluator_dead = true;
    }
  }
  // U is reaped: its pipe ends are closed, so draining reaches EOF.
  Drain(out.r, [&](const char* d, size_t n) { out_capture.Add(d, n); });
  Drain(err.r, [&](const char* d, size_t n) { err_capture.Add(d, n); });
  if (over_output() && !obs.wall_timeout) obs.output_exceeded = true;
  SetupFailure failure;
  if (read(setup.r, &failure, sizeof failure) == sizeof failure) {
    obs.setup_failure = std::string(1, failure.who) + ": " + IsolationStepName(failure.step) +
                        ": " + strerror(failure.error);
  }
  obs.untrusted = u.status;
  obs.untrusted_peak_rss_kib = u.usage.ru_maxrss;
  obs.start_address_space_kib = start_address_space_kib_;
  obs.start_resident_kib = start_resident_kib_;
  obs.untrusted_cpu_ms = (u.usage.ru_utime.tv_sec + u.usage.ru_stime.tv_sec) * 1000.0 +
                         (u.usage.ru_utime.tv_usec + u.usage.ru_stime.tv_usec) / 1000.0;
  obs.scratch_exceeded = scratch_->Bytes() >= (limits.file_size_mib << 20);

  ExecResult result;
  Classify(obs, &result);
  // Our own fault may have left E in a bad state: start a fresh one for the next execution.
  // (Limits already stopped it; program errors and blocked calls leave E untouched.)
  if (result.verdict == Verdict::kSandboxError) evaluator_->Stop();
  result.cpu_time_ms = obs.untrusted_cpu_ms;
  result.peak_memory_kib = u.usage.ru_maxrss;
  result.stdout_tail = out_capture.Tail();
  result.stderr_tail = err_capture.Tail();
  result.wall_time_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}

ChildPlan Supervisor::BasePlan() const {
  ChildPlan plan;
  plan.stdin_fd = devnull_;
  plan.stdout_fd = devnull_;
  plan.stderr_fd = devnull_;
  plan.drop_uid = namespaces_.can_drop_uid;
  plan.uid = namespaces_.child_uid;
  plan.gid = namespaces_.child_gid;
  plan.seccomp = seccomp_.empty() ? nullptr : &seccomp_program_;
  return plan;
}

std::string Supervisor::StartEvaluator() {
  if (!fork_server_->error().empty()) return "fork server: " + fork_server_->error();
  // E's own directory is its working directory; it has no access to the executions' scratch.
  std::string dir = base_dir_ + "/evaluator";
  mkdir(dir.c_str(), 0700);
  if (namespaces_.can_drop_uid) chown(dir.c_str(), namespaces_.child_uid, namespaces_.child_gid);
  int ruleset = landlock_ ? landlock_->BuildRuleset(dir) : -1;
  if (landlock_ && ruleset < 0) return std::string("landlock ruleset: ") + strerror(-ruleset);
  ChildPlan plan = BasePlan();
  plan.scratch_dir = dir.c_str();
  plan.cpu_seconds = RLIM_INFINITY;  // cumulative over jobs; the wall clock bounds each job
  plan.address_space_bytes = rlim_t{4} << 30;
  plan.file_size_bytes = rlim_t{16} << 20;
  plan.open_files = 64;
  std::string error = evaluator_->Start(plan, ruleset);
  if (ruleset >= 0) close(ruleset);
  return error;
}

}  // namespace ilf::sandbox
