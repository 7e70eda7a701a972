#include "runner/bench_whole_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/core/log.h"
#include "runner/baseline.h"

extern char** environ;

namespace ilf {

// Declared in runner/baseline.h; defined here, in the torch-free library, for the harness too.
std::string ScriptsDir() {
  const char* env = std::getenv("ILF_SCRIPTS_DIR");
  if (env != nullptr && *env != '\0') return env;
  return (std::filesystem::path(ILF_SOURCE_DIR) / "scripts").string();
}

BenchDir::BenchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ilf-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw EnvironmentError("mkdtemp " + pattern + " failed");
  path_ = pattern;
}

BenchDir::~BenchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

namespace {

// The tasks as a suite (DIR/suite.jsonl and DIR/manifest.json), which both commands read.
void WriteSuite(const std::string& dir, const std::vector<BenchTask>& tasks,
                const WholeCommandOptions& options) {
  std::string lines;
  for (const BenchTask& task : tasks) {
    Json record = {{"task_id", task.task_id},     {"text", ""},
                   {"reference", task.request.program}, {"setup", task.request.setup},
                   {"tests", task.request.tests}};
    if (!task.request.entry_point.empty()) record["entry_point"] = task.request.entry_point;
    lines += record.dump() + "\n";
  }
  WriteFileAtomically(dir + "/suite.jsonl", lines);
  Json manifest = {{"name", "bench"},
                   {"file", "suite.jsonl"},
                   {"description", "the programs of ilf bench sandbox"},
                   {"time_limit_ms", options.time_limit_ms},
                   {"memory_limit_mib", options.memory_limit_mib}};
  WriteFileAtomically(dir + "/manifest.json", manifest.dump(2));
}

}  // namespace

double TimeCommand(const std::vector<std::string>& args, const std::string& out_path,
                   const std::string& err_path) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string command;
  for (const std::string& arg : args) command += (command.empty() ? "" : " ") + arg;
  LogInfo("timing: {}", command);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw EnvironmentError(command + ": cannot start it: " + strerror(spawned));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string err = ReadFile(err_path);
    if (err.size() > 2000) err = "..." + err.substr(err.size() - 2000);
    throw EnvironmentError(command + ": exit status " + std::to_string(status) + ":\n" + err);
  }
  return seconds;
}

std::string SelfPath() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw EnvironmentError("/proc/self/exe: " + error.message());
  return self.string();
}

WholeCommandRun TimeIlfEval(const std::vector<BenchTask>& tasks, const WholeCommandOptions& options) {
  BenchDir dir;
  WriteSuite(dir.path(), tasks, options);
  std::vector<std::string> args = {SelfPath(), "eval", "--suite", dir.path() + "/manifest.json",
                                   "--reference", "--k", "1", "--out", dir.path() + "/eval",
                                   "--workers", std::to_string(options.workers)};
  if (options.allow_weaker_sandbox) args.push_back("--allow-weaker-sandbox");
  WholeCommandRun run;
  run.seconds = TimeCommand(args, dir.path() + "/stdout", dir.path() + "/stderr");
  Json summary = ParseJson(ReadFile(dir.path() + "/eval/summary.json"), dir.path() + "/eval/summary.json");
  double pass_at_1 = summary.at("pass_at_k").at("pass@1").get<double>();
  run.passed = static_cast<int64_t>(pass_at_1 * static_cast<double>(tasks.size()) + 0.5);
  return run;
}

WholeCommandRun TimeHumanEvalHarness(const std::vector<BenchTask>& tasks,
                                     const WholeCommandOptions& options) {
  std::string script = ScriptsDir() + "/bench/humaneval_style.py";
  if (!std::filesystem::exists(script)) {
    throw Error(script + ": the harness script is missing (hint: set ILF_SCRIPTS_DIR to the "
                "repository's scripts/ folder, or pass --skip-commands)");
  }
  BenchDir dir;
  WriteSuite(dir.path(), tasks, options);
  std::vector<std::string> args = {options.python, script, "--tasks", dir.path() + "/suite.jsonl",
                                   "--workers", std::to_string(options.workers), "--timeout",
                                   std::to_string(static_cast<double>(options.time_limit_ms) / 1000),
                                   "--memory-mib", std::to_string(options.memory_limit_mib)};
  WholeCommandRun run;
  run.seconds = TimeCommand(args, dir.path() + "/stdout", dir.path() + "/stderr");
  Json out = ParseJson(ReadFile(dir.path() + "/stdout"), script + " output");
  run.passed = out.at("passed").get<int64_t>();
  return run;
}

}  // namespace ilf
