#include "sandbox/fork_server.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace ilf::sandbox {
namespace {

constexpr int kMaxFds = 3 + kMaxKeptFds;  // stdio + kept
constexpr int kServerSocketFd = 3;        // Z's socket after it closes everything else

// One spawn request: plain numbers and a path, nothing a request or a program could have shaped.
struct SpawnMessage {
  char kind;
  bool new_pid_ns;
  bool drop_uid;
  int kept_count;
  bool landlock;  // the last kept fd is a Landlock ruleset
  rlim_t cpu_seconds, address_space_bytes, file_size_bytes, open_files, processes;
  uid_t uid;
  gid_t gid;
  char scratch_dir[512];
};

// Sends `data` with `fds` attached; false on failure (errno set).
bool SendWithFds(int socket, const void* data, size_t size, const int* fds, int count) {
  iovec iov = {const_cast<void*>(data), size};
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))] = {};
  msghdr message = {};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  if (count > 0) {
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(count * sizeof(int));
    cmsghdr* cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(count * sizeof(int));
    memcpy(CMSG_DATA(cmsg), fds, count * sizeof(int));
  }
  ssize_t sent;
  do {
    sent = sendmsg(socket, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent == static_cast<ssize_t>(size);
}

// Receives one message of exactly `size` bytes and its fds; returns bytes read (0 at EOF, -1 on
// error) and the fd count in *count.
ssize_t ReceiveWithFds(int socket, void* data, size_t size, int* fds, int* count) {
  iovec iov = {data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))] = {};
  msghdr message = {};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  *count = 0;
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&message); n > 0 && cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&message, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    int got = static_cast<int>((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    int keep = std::min(got, kMaxFds - *count);
    memcpy(fds + *count, CMSG_DATA(cmsg), keep * sizeof(int));
    for (int i = keep; i < got; ++i) close(reinterpret_cast<int*>(CMSG_DATA(cmsg))[i]);
    *count += keep;
  }
  return n;
}

// A spawned child: isolate, report a failed step on the setup pipe, run Python. Never returns.
[[noreturn]] void ChildMain(Zygote* zygote, char kind, const ChildPlan& plan, int setup_fd) {
  prctl(PR_SET_NAME, kind == 'U' ? "ilf-untrusted" : "ilf-evaluator", 0, 0, 0);
  zygote->AfterForkChild();
  SetupFailure failure{kind, 0, 0};
  failure.step = ApplyIsolation(plan, &failure.error);
  if (failure.step != 0) {
    // Steps up to "place kept fds" fail before the renumbering: the original fd still holds it.
    (void)!write(failure.step <= 3 ? setup_fd : kSetupFd, &failure, sizeof failure);
    _exit(kSetupFailedExit);
  }
  close(kSetupFd);
  if (kind == 'U') zygote->RunUntrusted(kUntrustedProgramFd, 3, 4);
  zygote->RunEvaluatorLoop(3, 4);
}

// Z's loop: one child per message, its pid (or -errno) as the answer; exits when the helper
// closes the socket. Holds nothing but what the messages carry.
[[noreturn]] void ServerMain(Zygote* zygote, const sock_fprog* seccomp) {
  while (true) {
    SpawnMessage m;
    int fds[kMaxFds];
    int count = 0;
    ssize_t n = ReceiveWithFds(kServerSocketFd, &m, sizeof m, fds, &count);
    if (n == 0) _exit(0);
    pid_t answer = -EPROTO;
    if (n == sizeof m && m.kept_count >= 0 && m.kept_count <= kMaxKeptFds &&
        count == 3 + m.kept_count && m.kept_count >= 3) {
      m.scratch_dir[sizeof m.scratch_dir - 1] = '\0';
      ChildPlan plan;
      plan.stdin_fd = fds[0];
      plan.stdout_fd = fds[1];
      plan.stderr_fd = fds[2];
      plan.kept_count = m.kept_count;
      std::copy(fds + 3, fds + count, plan.kept_fds);
      plan.scratch_dir = m.scratch_dir;
      plan.cpu_seconds = m.cpu_seconds;
      plan.address_space_bytes = m.address_space_bytes;
      plan.file_size_bytes = m.file_size_bytes;
      plan.open_files = m.open_files;
      plan.processes = m.processes;
      plan.drop_uid = m.drop_uid;
      plan.uid = m.uid;
      plan.gid = m.gid;
      plan.landlock_ruleset_fd = m.landlock ? 3 + m.kept_count - 1 : -1;
      plan.seccomp = seccomp;
      unsigned long flags = CLONE_PARENT | (m.new_pid_ns ? CLONE_NEWPID : 0);
      zygote->BeforeFork();
      pid_t pid = static_cast<pid_t>(syscall(SYS_clone, flags, 0, 0, 0, 0));
      if (pid == 0) ChildMain(zygote, m.kind, plan, plan.kept_fds[2]);
      answer = pid < 0 ? -errno : pid;
      zygote->AfterForkParent();
    }
    for (int i = 0; i < count; ++i) close(fds[i]);
    if (!SendWithFds(kServerSocketFd, &answer, sizeof answer, nullptr, 0)) _exit(1);
  }
}

}  // namespace

ForkServer::ForkServer(Zygote* zygote, const sock_fprog* seccomp) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    error_ = std::string("socketpair: ") + strerror(errno);
    return;
  }
  zygote->BeforeFork();
  pid_t pid = fork();
  if (pid == 0) {
    zygote->AfterForkChild();
    prctl(PR_SET_NAME, "ilf-forkserver", 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() == 1) _exit(1);
    if (dup2(pair[1], kServerSocketFd) != kServerSocketFd) _exit(1);
    syscall(SYS_close_range, kServerSocketFd + 1, ~0u, 0);
    ServerMain(zygote, seccomp);
  }
  int fork_errno = errno;
  zygote->AfterForkParent();
  close(pair[1]);
  if (pid < 0) {
    close(pair[0]);
    error_ = std::string("fork: ") + strerror(fork_errno);
    return;
  }
  pid_ = pid;
  socket_ = pair[0];
}

ForkServer::~ForkServer() {
  if (socket_ >= 0) close(socket_);
  if (pid_ > 0) {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

pid_t ForkServer::Spawn(Kind kind, const ChildPlan& plan, bool new_pid_ns) {
  if (socket_ < 0) return -ESRCH;
  SpawnMessage m = {};
  m.kind = static_cast<char>(kind);
  m.new_pid_ns = new_pid_ns;
  m.drop_uid = plan.drop_uid;
  m.kept_count = plan.kept_count;
  m.landlock = plan.landlock_ruleset_fd >= 0;
  m.cpu_seconds = plan.cpu_seconds;
  m.address_space_bytes = plan.address_space_bytes;
  m.file_size_bytes = plan.file_size_bytes;
  m.open_files = plan.open_files;
  m.processes = plan.processes;
  m.uid = plan.uid;
  m.gid = plan.gid;
  if (plan.scratch_dir == nullptr || strlen(plan.scratch_dir) >= sizeof m.scratch_dir) {
    return -ENAMETOOLONG;
  }
  strcpy(m.scratch_dir, plan.scratch_dir);
  int fds[kMaxFds] = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd};
  std::copy(plan.kept_fds, plan.kept_fds + plan.kept_count, fds + 3);
  if (!SendWithFds(socket_, &m, sizeof m, fds, 3 + plan.kept_count)) return -errno;
  pid_t answer = -EPROTO;
  ssize_t n;
  do {
    n = recv(socket_, &answer, sizeof answer, 0);
  } while (n < 0 && errno == EINTR);
  if (n != sizeof answer) return n == 0 ? -ESRCH : -EPROTO;
  return answer;
}

}  // namespace ilf::sandbox
