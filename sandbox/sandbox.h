// Running untrusted model-written Python against trusted unit tests.
//
// Public API of the sandbox library (ilf_sandbox). See sandbox/README-theory in the header of
// sandbox/supervisor.h for the theory of operation (processes, pipes, isolation layers).
//
// Thread safety: Sandbox::Run may be called from many threads at once; each call borrows one helper
// process from the pool. Outcomes of untrusted code are values (ExecResult), never exceptions;
// Sandbox's constructor throws ilf::Error when an essential isolation layer is missing.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilf::sandbox {

enum class Verdict {
  kPass,          // every test ran and succeeded, as seen by the trusted evaluator
  kFail,          // a test's assertion failed (the program ran)
  kRuntimeError,  // the program or a test raised, or the program died on a signal
  kCompileError,  // the program is not valid Python
  kTimeout,       // wall-clock or CPU limit
  kMemoryLimit,   // memory limit
  kOutputLimit,   // stdout/stderr or file-size limit
  kBlocked,       // the program made a forbidden system call (seccomp)
  kSandboxError,  // our fault (helper crashed, pipe broke): never counts as a task failure
};

// "PASS", "FAIL", "RUNTIME_ERROR", ... (the names used in every JSON artifact).
std::string_view VerdictName(Verdict verdict);
std::optional<Verdict> ParseVerdict(std::string_view name);

struct Limits {
  int64_t wall_time_ms = 10000;    // whole execution (program + all tests), wall clock
  int64_t cpu_time_ms = 10000;     // CPU time of the untrusted process
  int64_t memory_mib = 1024;       // address space of the untrusted process
  int64_t output_bytes = 1 << 20;  // captured stdout + stderr; more is OUTPUT_LIMIT
  int64_t file_size_mib = 16;      // largest file the program may write in its scratch directory
  int64_t open_files = 64;         // descriptors
};

struct ExecRequest {
  std::string program;             // untrusted Python source
  std::string setup;               // trusted code run after the program, before the tests
                                   // (MBPP test_setup_code, imports, HumanEval's `def check`)
  std::vector<std::string> tests;  // trusted test blocks, run in order; each is one test
                                   // (an assert statement, `check(f)`, an EvalPlus test program)
                                   // Program, setup and tests are source bytes, compiled as
                                   // CPython compiles a file (PEP 263, BOM); if setup or a test
                                   // does not compile, nothing runs: COMPILE_ERROR.
  std::string entry_point;         // the function the tests call. A program global that shadows a
                                   // builtin (`len = ...`, `def set(...)`) is hidden from setup and
                                   // tests, which see the real builtin, unless it is this name
                                   // (MBPP 126's entry point is `sum`).
  Limits limits;
};

enum class TestStatus { kPassed, kFailed, kError, kNotRun };
std::string_view TestStatusName(TestStatus status);  // "passed", "failed", "error", "not_run"

struct TestOutcome {
  TestStatus status = TestStatus::kNotRun;
  std::string exception_type;  // "AssertionError", "TypeError", ... ("" when passed)
  std::string message;         // exception message, bounded
  double duration_ms = 0;
  // Where an exception came from. program_lines: lines of the program (1-based, as given) of
  // the traceback frames running the program's own code, outermost first, a repeated line once,
  // at most 6; the evaluator keeps only lines that exist in the program. test_line: the test's
  // own line the exception passed last (1-based in ExecRequest::tests[i]; 0 when unknown).
  std::vector<int64_t> program_lines;
  int64_t test_line = 0;
};

struct ExecResult {
  Verdict verdict = Verdict::kSandboxError;
  std::vector<TestOutcome> tests;  // one per ExecRequest::tests entry
  double wall_time_ms = 0;
  double cpu_time_ms = 0;
  int64_t peak_memory_kib = 0;
  std::string stdout_tail;  // bounded tails of what the program printed
  std::string stderr_tail;
  std::string detail;  // why: the failed assert, the signal, the blocked call, the sandbox fault
  std::vector<int64_t> program_lines;  // the program raised before the tests: its frames' lines
                                       // (as TestOutcome::program_lines)

  // {"verdict": "FAIL", "tests": [{"status": …, "exception_type": …, "message": …, "duration_ms":
  // …, "program_lines": […], "test_line": …}], "wall_time_ms": …, "cpu_time_ms": …,
  //  "peak_memory_kib": …, "stdout_tail": …, "stderr_tail": …, "detail": …, "program_lines": […]}
  nlohmann::json ToJson() const;
};

struct SandboxOptions {
  int workers = 0;            // helper processes; 0 = one per core
  bool allow_weaker = false;  // run even if an essential isolation layer is missing (recorded)
  std::string python = "/usr/bin/python3";  // interpreter whose stdlib the helper embeds
  bool preload_numpy = false;  // also pre-import numpy in the zygote: programs importing it
                               // save ~50 ms each, every other execution pays ~0.9 ms more
  std::vector<std::string> assume_missing;  // for tests of the refusal path: layers the helper
                                            // treats as unavailable ("landlock")
};

// Which isolation layers are active; saved in run manifests and printed by `ilf exec --verbose`.
struct IsolationReport {
  std::vector<std::string> active;   // e.g. "seccomp", "landlock", "user-ns", "net-ns", ...
  std::vector<std::string> missing;  // layers the kernel refused
  bool weaker = false;               // true when allow_weaker let a missing essential layer pass
  nlohmann::json ToJson() const;
};

class Sandbox {
 public:
  // Starts the helper pool. Throws ilf::Error (exit 1) naming the missing layer and the hint when
  // an essential layer is unavailable and options.allow_weaker is false.
  explicit Sandbox(const SandboxOptions& options = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Runs one request on a free helper; blocks until done. Thread-safe. After InterruptRequested()
  // (SIGINT/SIGTERM in `ilf`), executions in flight are killed at once and this throws
  // ilf::Interrupted.
  ExecResult Run(const ExecRequest& request);
  // Runs all requests on the pool; results in request order. `on_done(i)` is called (from worker
  // threads, serialised) as each finishes, e.g. to advance a Progress. Interrupts as Run does:
  // no new execution starts, those in flight are killed, and it throws ilf::Interrupted.
  std::vector<ExecResult> RunAll(const std::vector<ExecRequest>& requests,
                                 const std::function<void(size_t)>& on_done = {});
  const IsolationReport& isolation() const;
  int workers() const;
  // CPU time the helpers spent starting (interpreter init, preloads), summed over every helper
  // started so far, restarts included; benchmarks subtract it to get the cost per execution.
  double startup_cpu_ms() const;

 private:
  ExecResult RunOne(const ExecRequest& request);  // Run without the interrupt check

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilf::sandbox
