#include "runner/local_ranks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/log.h"

extern char** environ;

namespace ilf {
namespace {

constexpr const char* kRankVariables[] = {"WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
                                          "MASTER_ADDR", "MASTER_PORT"};

// A TCP port on 127.0.0.1 that nothing listens on now (torchrun --standalone does the same).
int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw EnvironmentError(std::string("socket(): ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) throw EnvironmentError(std::string("no free port on 127.0.0.1: ") + std::strerror(saved));
  return ntohs(address.sin_port);
}

bool IsRankVariable(const char* entry) {
  for (const char* name : kRankVariables) {
    const size_t n = std::strlen(name);
    if (std::strncmp(entry, name, n) == 0 && entry[n] == '=') return true;
  }
  return false;
}

std::string Describe(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

}  // namespace

std::vector<std::string> RankCommandLine(const std::string& subcommand, int argc, char** argv,
                                         const std::vector<std::string>& drop) {
  std::vector<std::string> args = {"ilf", subcommand};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    bool dropped = false;
    for (const std::string& option : drop) {
      if (arg == option) {
        ++i;  // its value
        dropped = true;
      } else if (arg.rfind(option + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) args.push_back(arg);
  }
  return args;
}

int RunLocalRanks(int nproc, const std::vector<std::string>& args,
                  const std::vector<std::string>& extra_env) {
  if (nproc < 1) throw Error("--nproc must be at least 1, got " + std::to_string(nproc));
  if (const char* world = std::getenv("WORLD_SIZE")) {
    throw Error(std::string("--nproc: WORLD_SIZE is already set (") + world +
                "): torchrun or another launcher started this process as a rank (hint: drop "
                "--nproc when launching with torchrun)");
  }
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  const int port = FreeLoopbackPort();
  // Everything the children need is built before fork: after it they only call exec.
  std::vector<std::vector<std::string>> envs(nproc);
  for (int rank = 0; rank < nproc; ++rank) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!IsRankVariable(*entry)) envs[rank].emplace_back(*entry);
    }
    for (const std::string& extra : extra_env) envs[rank].push_back(extra);
    for (const std::string& variable :
         {fmt::format("WORLD_SIZE={}", nproc), fmt::format("RANK={}", rank),
          fmt::format("LOCAL_RANK={}", rank), fmt::format("LOCAL_WORLD_SIZE={}", nproc),
          std::string("MASTER_ADDR=127.0.0.1"), fmt::format("MASTER_PORT={}", port)}) {
      envs[rank].push_back(variable);
    }
  }
  auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (std::string& s : strings) result.push_back(s.data());
    result.push_back(nullptr);
    return result;
  };
  std::vector<std::string> argv_strings = args;
  argv_strings[0] = "ilf";
  std::vector<char*> child_argv = pointers(argv_strings);
  std::vector<std::vector<char*>> child_envs;
  for (auto& env : envs) child_envs.push_back(pointers(env));

  const pid_t launcher = ::getpid();
  std::vector<pid_t> pids(nproc, -1);
  std::fflush(nullptr);
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int saved = errno;
      for (pid_t started : pids) {
        if (started > 0) ::kill(started, SIGTERM);
      }
      throw EnvironmentError(std::string("fork(): ") + std::strerror(saved));
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != launcher) ::_exit(1);  // the launcher died before prctl
      ::execve(exe.c_str(), child_argv.data(), child_envs[rank].data());
      ::_exit(127);
    }
    pids[rank] = pid;
  }
  LogInfo("launcher: started {} ranks of {} (rendezvous 127.0.0.1:{})", nproc, args[1], port);

  int result = 0;
  int running = nproc;
  std::optional<std::chrono::steady_clock::time_point> kill_at;
  while (running > 0) {
    bool reaped = false;
    for (int rank = 0; rank < nproc; ++rank) {
      if (pids[rank] < 0) continue;
      int status = 0;
      if (::waitpid(pids[rank], &status, WNOHANG) != pids[rank]) continue;
      pids[rank] = -1;
      --running;
      reaped = true;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (ok || result != 0) continue;
      result = WIFEXITED(status) ? WEXITSTATUS(status) : kExitFailed;
      const bool interrupted = WIFEXITED(status) && WEXITSTATUS(status) == kExitInterrupted;
      if (running > 0) {
        LogError("launcher: rank {} {}; {}", rank, Describe(status),
                 interrupted ? "waiting for the other ranks to stop"
                             : "stopping the other ranks");
      } else {
        LogError("launcher: rank {} {}", rank, Describe(status));
      }
      if (!interrupted) {
        for (pid_t other : pids) {
          if (other > 0) ::kill(other, SIGTERM);
        }
      }
      kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    }
    if (kill_at && std::chrono::steady_clock::now() > *kill_at) {
      for (int rank = 0; rank < nproc; ++rank) {
        if (pids[rank] < 0) continue;
        LogError("launcher: rank {} did not stop within 30 s; killing it", rank);
        ::kill(pids[rank], SIGKILL);
      }
      kill_at.reset();
    }
    if (!reaped && running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return result;
}

}  // namespace ilf
