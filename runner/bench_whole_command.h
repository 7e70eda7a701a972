// The whole-command rows of `ilf bench sandbox`: the bench's tasks run as a user would run them,
// each a child process timed from start to exit, in the same run as the in-process measurements:
//   - `ilf eval --reference` (this executable) on a suite manifest written for those tasks;
//   - a human-eval-style harness (scripts/bench/humaneval_style.py: a forked process per program
//     exec()ing program + tests, no isolation, as OpenAI human-eval's check_correctness).
// The fresh-python3-per-program row is the bench's own baseline run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace ilf {

struct WholeCommandOptions {
  int workers = 1;                    // --workers of ilf eval, threads of the harness
  std::string python = "python3";     // runs the harness
  int64_t time_limit_ms = 10000;      // per program, both commands
  int64_t memory_limit_mib = 1024;    // per program, both commands
  bool allow_weaker_sandbox = false;  // passed on to ilf eval
};

struct WholeCommandRun {
  double seconds = 0;  // start of the process to its exit
  int64_t passed = 0;  // programs whose tests all held
};

// One task of the bench: its program, setup and tests.
struct BenchTask {
  int64_t task_id = 0;
  sandbox::ExecRequest request;
};

// A fresh directory under $TMPDIR, removed with its contents by the destructor.
class BenchDir {
 public:
  BenchDir();
  ~BenchDir();
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `args` (args[0] the program, looked up on PATH) with stdin from /dev/null, stdout to
// `out_path` and stderr to `err_path`; returns the seconds from its start to its exit. Throws
// EnvironmentError naming the command, its wait status and stderr's tail unless it exits 0.
double TimeCommand(const std::vector<std::string>& args, const std::string& out_path,
                   const std::string& err_path);

// This executable's path (/proc/self/exe).
std::string SelfPath();

// Runs `ilf eval --reference` on `tasks` (their programs as the suite's references). Throws
// EnvironmentError naming the command and its output's tail when it fails.
WholeCommandRun TimeIlfEval(const std::vector<BenchTask>& tasks, const WholeCommandOptions& options);

// Runs the human-eval-style harness on `tasks`; the same errors.
WholeCommandRun TimeHumanEvalHarness(const std::vector<BenchTask>& tasks,
                                     const WholeCommandOptions& options);

}  // namespace ilf
