// ilf-sandbox: the sandbox helper process (see sandbox/supervisor.h for the theory of operation).
//
// Usage (started by sandbox/pool.cc, not by people):
//   ilf-sandbox [--python PATH] [--allow-weaker] [--preload MODULE]... [--assume-missing landlock]
// Reads request frames on stdin, writes one hello frame and then one result frame per request on
// stdout (sandbox/protocol.h). Its own diagnostics go to stderr.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "sandbox/landlock.h"
#include "sandbox/namespaces.h"
#include "sandbox/protocol.h"
#include "sandbox/seccomp.h"
#include "sandbox/supervisor.h"
#include "sandbox/zygote.h"
#include "src/core/error.h"

#if defined(__SANITIZE_ADDRESS__)
// Sanitizer builds (-DILF_SANITIZE=ON): the embedded CPython keeps its interned objects and arenas
// until exit by design, which LeakSanitizer would report on every helper and evaluator exit
// (LeakSanitizer would also stop the world with clone and ptrace, which seccomp kills in U and E).
// allocator_may_return_null: a malloc over the children's RLIMIT_AS (isolation.cc) returns NULL,
// which CPython turns into MemoryError (MEMORY_LIMIT), instead of ASan aborting the process.
// handle_segv/sigbus/sigfpe=0: a program that crashes the interpreter (ctypes.string_at(0)) must
// die by that signal, as in normal builds (RUNTIME_ERROR "killed by signal SIGSEGV"), not be
// turned into exit status 1 by ASan's handler. ASan's instrumentation checks are unaffected.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0:allocator_may_return_null=1:handle_segv=0:handle_sigbus=0:"
         "handle_sigfpe=0";
}
#endif

namespace ilf::sandbox {
namespace {

double CpuMs(const struct rusage& usage) {
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

std::string Dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Read-only roots beyond the Python paths: shared libraries extension modules load, and a few
// files glibc reads. Nothing under /tmp, /home, /root, /proc or the working tree.
const char* const kReadOnlyRoots[] = {"/usr/lib",
                                      "/lib",
                                      "/lib64",
                                      "/usr/lib64",
                                      "/etc/ld.so.cache",
                                      "/etc/localtime",
                                      "/usr/share/zoneinfo",
                                      "/dev/urandom"};

int Main(int argc, char** argv) {
  // No fastbins: glibc consolidates them (walking and writing every free chunk) on the first
  // large allocation, which in each forked child copied many of the zygote's heap pages.
  // Small blocks still come from the per-thread cache (tcache).
  mallopt(M_MXFAST, 0);
  std::string python = "/usr/bin/python3";
  bool allow_weaker = false;
  std::vector<std::string> preload;  // extra modules for the zygote
  bool assume_missing_landlock = false;  // tests: behave as on a kernel without Landlock
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--python") == 0 && i + 1 < argc) python = argv[++i];
    if (std::strcmp(argv[i], "--allow-weaker") == 0) allow_weaker = true;
    if (std::strcmp(argv[i], "--preload") == 0 && i + 1 < argc) preload.push_back(argv[++i]);
    if (std::strcmp(argv[i], "--assume-missing") == 0 && i + 1 < argc) {
      assume_missing_landlock |= std::strcmp(argv[++i], "landlock") == 0;
    }
  }
  // The protocol moves off fds 0/1 to 3/4, so a stray print cannot corrupt it; every other
  // inherited descriptor (the ilf process may have leaked some) is closed.
  const int in = 3, out = 4;
  if (dup2(0, in) != in || dup2(1, out) != out) return 1;
  syscall(SYS_close_range, 5, ~0u, 0);
  fcntl(in, F_SETFD, FD_CLOEXEC);
  fcntl(out, F_SETFD, FD_CLOEXEC);
  int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, 0);
  dup2(2, 1);
  close(devnull);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  // die with the ilf process
  // Its own session: a terminal's Ctrl-C (SIGINT to the foreground process group) reaches `ilf`,
  // which stops its helpers itself; it must not kill them behind its back.
  setsid();

  IsolationReport report;
  NamespaceSetup namespaces = SetUpNamespaces();
  report.active = namespaces.active;
  report.missing = namespaces.missing;
  try {
    Zygote zygote(python, preload);
    std::vector<std::string> essential_missing;
    for (const std::string& layer : namespaces.missing) {
      if (layer.rfind("net-ns", 0) == 0) essential_missing.push_back(layer);
    }
    std::unique_ptr<LandlockPolicy> landlock;
    int abi = assume_missing_landlock ? 0 : LandlockAbi();
    if (abi >= 1) {
      std::vector<std::string> roots = zygote.python_paths();
      roots.insert(roots.end(), std::begin(kReadOnlyRoots), std::end(kReadOnlyRoots));
      landlock = std::make_unique<LandlockPolicy>(roots, std::vector<std::string>{"/dev/null"});
      report.active.push_back("landlock-abi" + std::to_string(abi));
      if (abi >= 4) report.active.push_back("landlock-tcp");
      if (abi >= 6) report.active.push_back("landlock-scope-signal");
    } else {
      essential_missing.push_back(
          "landlock (the kernel has no Landlock; hint: Linux >= 5.13 "
          "with lsm=landlock)");
    }
    std::vector<sock_filter> seccomp = CompileSandboxPolicy();
    report.active.push_back("seccomp");
    report.active.push_back("rlimits");
    if (namespaces.can_drop_uid) report.active.push_back("uid-65534");
    report.active.push_back("no-capabilities");
    report.missing.insert(report.missing.end(), essential_missing.begin(), essential_missing.end());
    if (!essential_missing.empty()) {
      if (!allow_weaker) {
        std::string message = "essential isolation layer missing: " + essential_missing[0] +
                              " (hint: run on a kernel that allows it, or accept a weaker "
                              "sandbox with --allow-weaker-sandbox)";
        WriteFrame(out, Dump({{"error", message}}));
        return 1;
      }
      report.weaker = true;
    }
    Supervisor supervisor(&zygote, namespaces, std::move(landlock), std::move(seccomp));
    if (supervisor.scratch_tmpfs()) report.active.push_back("scratch-tmpfs");
    std::string evaluator_error = supervisor.StartEvaluator();
    if (!evaluator_error.empty()) {
      WriteFrame(out, Dump({{"error", "sandbox evaluator: " + evaluator_error}}));
      return 1;
    }
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    nlohmann::json hello = {{"isolation", report.ToJson()},
                            {"startup_cpu_ms", CpuMs(usage)},
                            {"zygote_huge_page_bytes", zygote.huge_page_bytes()}};
    if (!WriteFrame(out, Dump(hello))) return 1;
    while (std::optional<std::string> frame = ReadFrame(in)) {
      ExecResult result;
      try {
        result = supervisor.Run(RequestFromJson(nlohmann::json::parse(*frame)));
      } catch (const std::exception& e) {
        result.verdict = Verdict::kSandboxError;
        result.detail = std::string("bad request frame: ") + e.what();
      }
      if (!WriteFrame(out, Dump(result.ToJson()))) break;
    }
  } catch (const Error& e) {
    WriteFrame(out, Dump({{"error", e.what()}}));
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ilf::sandbox

int main(int argc, char** argv) { return ilf::sandbox::Main(argc, argv); }
