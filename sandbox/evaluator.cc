#include "sandbox/evaluator.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/classify.h"
#include "sandbox/protocol.h"

namespace ilf::sandbox {

int64_t SourceLineCount(const std::string& source) {
  int64_t lines = 1;
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\n' ||
        (source[i] == '\r' && (i + 1 == source.size() || source[i + 1] != '\n'))) {
      ++lines;
    }
  }
  return lines;
}

std::string Evaluator::Start(ChildPlan plan, int landlock_ruleset) {
  Stop();
  int control[2], results[2], setup[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) != 0) {
    return std::string("socketpair: ") + strerror(errno);
  }
  if (pipe2(results, O_CLOEXEC) != 0 || pipe2(setup, O_CLOEXEC) != 0) {
    return std::string("pipe2: ") + strerror(errno);
  }
  int kept[] = {control[1], results[1], setup[1], landlock_ruleset};
  plan.kept_count = landlock_ruleset >= 0 ? 4 : 3;
  std::copy(kept, kept + 4, plan.kept_fds);
  plan.landlock_ruleset_fd = landlock_ruleset >= 0 ? 6 : -1;
  // Becomes fds 3 (control), 4 (results), 5 (setup), 6 (ruleset).
  pid_t pid = fork_server_->Spawn(ForkServer::Kind::kEvaluator, plan, false);
  close(control[1]);
  close(results[1]);
  close(setup[1]);
  if (pid < 0) {
    close(control[0]), close(results[0]), close(setup[0]);
    return std::string("fork server: ") + strerror(-pid);
  }
  pid_ = pid;
  control_fd_ = control[0];
  result_fd_ = results[0];
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  fcntl(result_fd_, F_SETFL, O_NONBLOCK);
  // The isolation steps either fail (a record arrives) or succeed (the write end closes).
  SetupFailure failure{};
  ssize_t n = read(setup[0], &failure, sizeof failure);
  close(setup[0]);
  jobs_ = 0;
  pending_.clear();
  if (n == sizeof failure) {
    Stop();
    return std::string("evaluator isolation step failed: ") + IsolationStepName(failure.step) +
           ": " + strerror(failure.error);
  }
  return "";
}

void Evaluator::Stop(ChildStatus* status) {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int wstatus = 0;
    waitpid(pid_, &wstatus, 0);
    if (status != nullptr) {
      status->reaped = true;
      status->exited = WIFEXITED(wstatus);
      status->exit_code = status->exited ? WEXITSTATUS(wstatus) : 0;
      status->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    }
  }
  for (int* fd : {&pidfd_, &control_fd_, &result_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  pid_ = -1;
}

bool Evaluator::ReapIfExited(ChildStatus* status) {
  if (pid_ <= 0) return false;
  int wstatus = 0;
  if (waitpid(pid_, &wstatus, WNOHANG) != pid_) return false;
  status->reaped = true;
  status->exited = WIFEXITED(wstatus);
  status->exit_code = status->exited ? WEXITSTATUS(wstatus) : 0;
  status->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
  pid_ = -1;
  Stop();
  return true;
}

bool Evaluator::Submit(uint64_t id, const ExecRequest& request, int to_untrusted,
                       int from_untrusted) {
  // memory_bytes: E decodes nothing from U beyond what U may use itself (harness.py _Channel).
  // Setup and tests as hex: E compiles their exact bytes (protocol.h). program_lines: the lines
  // the program has, the only ones a frame of the program may name (harness.py _program_lines).
  std::vector<std::string> tests_hex;
  for (const std::string& test : request.tests) tests_hex.push_back(ToHex(test));
  nlohmann::json job = {{"id", id},
                        {"setup_hex", ToHex(request.setup)},
                        {"tests_hex", tests_hex},
                        {"program_lines", SourceLineCount(request.program)},
                        {"entry_point", request.entry_point},
                        {"memory_bytes", request.limits.memory_mib << 20}};
  std::string payload = job.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  uint32_t size = static_cast<uint32_t>(payload.size());
  unsigned char header[4] = {
      static_cast<unsigned char>(size), static_cast<unsigned char>(size >> 8),
      static_cast<unsigned char>(size >> 16), static_cast<unsigned char>(size >> 24)};
  iovec iov = {header, sizeof header};
  char control[CMSG_SPACE(2 * sizeof(int))] = {};
  msghdr message = {};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&message);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(2 * sizeof(int));
  int fds[2] = {to_untrusted, from_untrusted};
  memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
  ssize_t sent;
  do {
    sent = sendmsg(control_fd_, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent != sizeof header) return false;
  const char* data = payload.data();
  size_t left = payload.size();
  while (left > 0) {
    ssize_t n = send(control_fd_, data, left, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    left -= static_cast<size_t>(n);
  }
  ++jobs_;
  return true;
}

}  // namespace ilf::sandbox
