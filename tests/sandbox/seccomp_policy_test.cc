// The seccomp policy is data: check the table says what the design promises, and that it
// compiles to a BPF program.
#include "sandbox/seccomp_policy.h"

#include <gtest/gtest.h>

#include <sched.h>

#include <map>
#include <string>

#include "sandbox/seccomp.h"

namespace ilf::sandbox {
namespace {

std::map<std::string, SyscallAction> Unconditional() {
  std::map<std::string, SyscallAction> actions;
  for (const SyscallRule& rule : SandboxPolicy()) {
    if (rule.arg0_mask == 0) {
      EXPECT_EQ(actions.count(rule.name), 0u) << "listed twice: " << rule.name;
      actions[rule.name] = rule.action;
    }
  }
  return actions;
}

TEST(SeccompPolicyTest, ProcessCreationAndKernelAttackSurfaceKill) {
  std::map<std::string, SyscallAction> actions = Unconditional();
  for (const char* name : {"fork",
                           "vfork",
                           "execve",
                           "execveat",
                           "ptrace",
                           "process_vm_readv",
                           "process_vm_writev",
                           "bpf",
                           "io_uring_setup",
                           "io_uring_enter",
                           "io_uring_register",
                           "keyctl",
                           "add_key",
                           "request_key",
                           "mount",
                           "umount2",
                           "pivot_root",
                           "unshare",
                           "setns",
                           "kexec_load",
                           "reboot",
                           "perf_event_open",
                           "userfaultfd",
                           "init_module",
                           "finit_module"}) {
    ASSERT_EQ(actions.count(name), 1u) << name;
    EXPECT_EQ(actions[name], SyscallAction::kKill) << name;
  }
}

TEST(SeccompPolicyTest, SocketsAreRefusedWithAnErrno) {
  for (const SyscallRule& rule : SandboxPolicy()) {
    if (std::string(rule.name) == "socket" || std::string(rule.name) == "socketpair") {
      EXPECT_EQ(rule.action, SyscallAction::kErrno) << rule.name;
      EXPECT_NE(rule.error, 0);
    }
  }
}

TEST(SeccompPolicyTest, CloneOnlyForThreads) {
  int allow = 0, kill = 0;
  for (const SyscallRule& rule : SandboxPolicy()) {
    if (std::string(rule.name) != "clone") continue;
    ASSERT_NE(rule.arg0_mask, 0u) << "clone must be conditional";
    if (rule.action == SyscallAction::kAllow) {
      ++allow;
      EXPECT_EQ(rule.arg0_value, static_cast<uint64_t>(CLONE_THREAD));
      EXPECT_NE(rule.arg0_mask & CLONE_NEWUSER, 0u);
      EXPECT_NE(rule.arg0_mask & CLONE_NEWPID, 0u);
    }
    if (rule.action == SyscallAction::kKill) ++kill;
  }
  EXPECT_EQ(allow, 1);
  EXPECT_EQ(kill, 1);
}

TEST(SeccompPolicyTest, CompilesToBpf) {
  std::vector<sock_filter> program = CompileSandboxPolicy();
  EXPECT_GT(program.size(), 50u);
  EXPECT_LT(program.size(), 4096u);  // BPF_MAXINSNS
}

}  // namespace
}  // namespace ilf::sandbox
