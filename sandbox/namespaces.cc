#include "sandbox/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

namespace ilf::sandbox {
namespace {

bool WriteText(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text, strlen(text)) == static_cast<ssize_t>(strlen(text));
  close(fd);
  return ok;
}

// Forks a child that stays in the initial user namespace and, once told, writes the two-line
// uid/gid map of `target` (only a process with CAP_SETUID in the parent namespace may).
bool MapAsRoot(pid_t target, int go_fd, int done_fd) {
  char byte;
  if (read(go_fd, &byte, 1) != 1) return false;
  char path[64];
  const char* map = "0 0 1\n65534 65534 1\n";
  std::snprintf(path, sizeof path, "/proc/%d/uid_map", static_cast<int>(target));
  bool ok = WriteText(path, map);
  std::snprintf(path, sizeof path, "/proc/%d/gid_map", static_cast<int>(target));
  ok = ok && WriteText(path, map);
  byte = ok ? 1 : 0;
  return write(done_fd, &byte, 1) == 1 && ok;
}

}  // namespace

NamespaceSetup SetUpNamespaces() {
  NamespaceSetup setup;
  uid_t uid = geteuid();
  gid_t gid = getegid();
  int go[2], done[2];
  pid_t mapper = -1;
  if (uid == 0 && pipe2(go, O_CLOEXEC) == 0 && pipe2(done, O_CLOEXEC) == 0) {
    pid_t self = getpid();
    mapper = fork();
    if (mapper == 0) _exit(MapAsRoot(self, go[0], done[1]) ? 0 : 1);
  }
  bool user = unshare(CLONE_NEWUSER) == 0;
  if (user) {
    setup.active.push_back("user-ns");
    bool mapped = false;
    if (mapper > 0) {
      char byte = 0;
      mapped = write(go[1], "g", 1) == 1 && read(done[0], &byte, 1) == 1 && byte == 1;
      setup.can_drop_uid = mapped;
    }
    if (!mapped) {
      char map[64];
      WriteText("/proc/self/setgroups", "deny");
      std::snprintf(map, sizeof map, "0 %u 1\n", uid);
      WriteText("/proc/self/uid_map", map);
      std::snprintf(map, sizeof map, "0 %u 1\n", gid);
      WriteText("/proc/self/gid_map", map);
    }
  } else {
    setup.missing.push_back(std::string("user-ns (unshare: ") + strerror(errno) + ")");
  }
  if (mapper > 0) {
    close(go[1]);
    kill(mapper, SIGKILL);
    waitpid(mapper, nullptr, 0);
    close(go[0]);
    close(done[0]);
    close(done[1]);
  }
  struct Kind {
    int flag;
    const char* name;
  };
  for (Kind kind : {Kind{CLONE_NEWNET, "net-ns"}, Kind{CLONE_NEWIPC, "ipc-ns"},
                    Kind{CLONE_NEWUTS, "uts-ns"}, Kind{CLONE_NEWNS, "mount-ns"}}) {
    if (unshare(kind.flag) == 0) {
      setup.active.push_back(kind.name);
    } else {
      setup.missing.push_back(std::string(kind.name) + " (unshare: " + strerror(errno) + ")");
    }
  }
  // Probe CLONE_NEWPID with a throwaway child.
  pid_t probe = static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0));
  if (probe == 0) _exit(0);
  if (probe > 0) {
    waitpid(probe, nullptr, 0);
    setup.pid_ns = true;
    setup.active.push_back("pid-ns");
  } else {
    setup.missing.push_back(std::string("pid-ns (clone: ") + strerror(errno) + ")");
  }
  return setup;
}

}  // namespace ilf::sandbox
