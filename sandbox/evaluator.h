// The evaluator process E: forked once from the fork server (fork_server.h) (and again after any failure), isolated
// like U, and reused for many executions. It runs only trusted code (setup and tests) and
// receives each execution's pipes to U over a socketpair (SCM_RIGHTS).
//
// Why one E for many executions: forking costs ~1 ms of CPU per process here (page tables, copy-
// on-write faults of the interpreter's heap, teardown); a fresh E per execution doubled the cost
// of an execution. E holds no state between executions except the interpreter itself: each job
// gets a fresh namespace and a fresh channel. The trade-off: a memory-safety bug in CPython that
// U could trigger through the plain-data decoder would persist into later executions of this
// helper; E is therefore restarted after any abnormal event and every kRestartEvery jobs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/isolation.h"
#include "sandbox/sandbox.h"
#include "sandbox/fork_server.h"

namespace ilf::sandbox {

// Lines of a Python source as CPython numbers them (\n, \r\n and \r end a line), counting the
// empty line after a final newline: an upper bound on any line number of the program's code.
int64_t SourceLineCount(const std::string& source);

class Evaluator {
 public:
  static constexpr int kRestartEvery = 1000;  // jobs per E process

  explicit Evaluator(ForkServer* fork_server) : fork_server_(fork_server) {}
  ~Evaluator() { Stop(); }
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Forks and isolates E with `plan` (its kept fds are filled in here). Returns "" or why not.
  std::string Start(ChildPlan plan, int landlock_ruleset);
  // Kills and reaps E (if running); fills *status when given.
  void Stop(struct ChildStatus* status = nullptr);
  bool running() const { return pid_ > 0; }
  bool worn_out() const { return jobs_ >= kRestartEvery; }

  // Hands one execution to E: the request and the two pipe ends E uses to talk to U.
  bool Submit(uint64_t id, const ExecRequest& request, int to_untrusted, int from_untrusted);

  int result_fd() const { return result_fd_; }
  int pidfd() const { return pidfd_; }
  // Reaps E if it has exited; returns true (and fills *status) when it did.
  bool ReapIfExited(struct ChildStatus* status);
  // Bytes read from result_fd() not yet consumed as complete lines.
  std::string& pending() { return pending_; }

 private:
  ForkServer* fork_server_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int control_fd_ = -1;
  int result_fd_ = -1;
  int jobs_ = 0;
  std::string pending_;
};

}  // namespace ilf::sandbox
