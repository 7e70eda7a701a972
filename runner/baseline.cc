#include "runner/baseline.h"

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iterator>
#include <thread>

#include <fmt/format.h>
#include <boost/process.hpp>

#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/core/log.h"

namespace ilf {
namespace {

namespace bp = boost::process;

constexpr size_t kTailLines = 20;

struct ChildResult {
  int status = 0;           // raw wait status
  std::string stdout_text;  // everything it printed on stdout
  std::string stderr_tail;  // its last kTailLines stderr lines
};

// `exe args...`: stdout captured; stderr captured and, when `echo`, copied to ours as it comes (a
// reader thread keeps the two pipes from blocking each other).
ChildResult RunChild(const std::string& exe, const std::vector<std::string>& args, bool echo) {
  ChildResult result;
  bp::ipstream out, err;
  std::deque<std::string> tail;
  bp::child child;
  try {
    child =
        bp::child(exe, bp::args(args), bp::std_out > out, bp::std_err > err, bp::std_in.close());
  } catch (const bp::process_error& e) {
    throw Error(fmt::format("cannot start '{}': {}", exe, e.what()), kExitFailed);
  }
  std::thread reader([&] {
    std::string line;
    while (std::getline(err, line)) {
      if (echo) std::fprintf(stderr, "%s\n", line.c_str());
      tail.push_back(line);
      if (tail.size() > kTailLines) tail.pop_front();
    }
  });
  result.stdout_text.assign(std::istreambuf_iterator<char>(out), std::istreambuf_iterator<char>());
  reader.join();
  child.wait();
  result.status = child.native_exit_code();
  for (const std::string& line : tail) result.stderr_tail += "  | " + line + "\n";
  return result;
}

std::string StatusText(int status) {
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

bool Succeeded(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

// The executable a name or path refers to, or "" when there is none.
std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 && !std::filesystem::is_directory(name) ? name : "";
  }
  return bp::search_path(name).string();
}

}  // namespace

std::optional<std::string> ResolveBaselinePython(const std::string& flag, std::string* note) {
  if (flag == "none") {
    *note = "--baseline none";
    return std::nullopt;
  }
  if (flag != "auto") {
    std::string exe = FindExecutable(flag);
    if (exe.empty()) {
      throw Error(fmt::format(
          "--baseline '{}': no such executable (expected auto, none, or a Python interpreter "
          "that can import torch)",
          flag));
    }
    ChildResult probe = RunChild(exe, {"-c", "import torch"}, false);
    if (!Succeeded(probe.status)) {
      throw EnvironmentError(fmt::format(
          "--baseline '{}': `{} -c 'import torch'` {}; the baseline needs PyTorch (hint: "
          "--baseline none skips it, --baseline auto skips it when no interpreter has torch):\n{}",
          flag, exe, StatusText(probe.status), probe.stderr_tail));
    }
    return exe;
  }
  std::vector<std::string> candidates{"python3", "/usr/bin/python3"};
  if (const char* env = std::getenv("ILF_BASELINE_PYTHON"); env != nullptr && *env != '\0') {
    candidates = {env};  // the user's choice alone
  }
  std::string tried;
  for (const std::string& candidate : candidates) {
    std::string exe = FindExecutable(candidate);
    tried += (tried.empty() ? "" : ", ") + candidate;
    if (exe.empty()) {
      tried += " (not found)";
      continue;
    }
    if (Succeeded(RunChild(exe, {"-c", "import torch"}, false).status)) return exe;
    tried += " (no torch)";
  }
  *note = "no Python interpreter with torch (tried " + tried +
          "); set ILF_BASELINE_PYTHON or pass --baseline PYTHON (Debian: apt-get install "
          "python3-torch)";
  LogWarning("baseline will be skipped: {}", *note);
  return std::nullopt;
}

nlohmann::json RunTorchBaseline(const std::string& python, const std::vector<std::string>& args) {
  std::string script = ScriptsDir() + "/bench/torch_baseline.py";
  if (!std::filesystem::exists(script)) {
    throw Error(
        fmt::format("{}: the baseline script is missing (hint: set ILF_SCRIPTS_DIR to the "
                    "repository's scripts/ folder, or pass --baseline none)",
                    script));
  }
  std::vector<std::string> argv{script};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string command = python;
  for (const std::string& a : argv) command += " " + a;
  LogInfo("baseline: {}", command);
  ChildResult run = RunChild(python, argv, true);
  // The JSON object is the last non-empty stdout line.
  std::string last;
  size_t end = run.stdout_text.find_last_not_of(" \n\r\t");
  if (end != std::string::npos) {
    size_t newline = run.stdout_text.rfind('\n', end);
    size_t begin = newline == std::string::npos ? 0 : newline + 1;
    last = run.stdout_text.substr(begin, end + 1 - begin);
  }
  nlohmann::json result = TryParseJson(last);
  if (!Succeeded(run.status) || !result.is_object()) {
    throw EnvironmentError(fmt::format(
        "baseline `{}` {}{}; last stderr lines:\n{}", command, StatusText(run.status),
        result.is_object() ? "" : " and printed no JSON object on stdout", run.stderr_tail));
  }
  return result;
}

void AddBaseline(const std::optional<std::string>& python, const std::string& note,
                 const std::vector<std::string>& args, const std::string& ours_key,
                 const std::string& theirs_key, nlohmann::json& fields) {
  fields["baseline"] = nullptr;
  if (!python) {
    fields["baseline_note"] = note;
    return;
  }
  // ilf's benches keep freed memory for reuse (KeepFreedMemoryForReuse); hand it back to the
  // kernel so the baseline process has the machine's memory as ilf had it.
  ::malloc_trim(0);
  nlohmann::json baseline;
  try {
    baseline = RunTorchBaseline(*python, args);
  } catch (const Error&) {
    LogError("ilf's own result (before the baseline failed): {}", fields.dump());
    throw;
  }
  double theirs = baseline.value(theirs_key, 0.0);
  fields["baseline"] = baseline;
  fields["speedup_vs_baseline"] = theirs > 0 ? fields[ours_key].get<double>() / theirs : 0.0;
}

std::string BaselineSummary(const nlohmann::json& fields, const std::string& theirs_key,
                            const std::string& unit) {
  const nlohmann::json& b = fields["baseline"];
  if (b.is_null()) return "baseline: skipped (" + fields.value("baseline_note", "") + ")";
  return fmt::format("baseline: {} (torch {}, {}): {:.1f} {} -> ilf is {:.2f}x",
                     b.value("implementation", "?"), b.value("torch_version", "?"),
                     b.value("dtype", "?"), b.value(theirs_key, 0.0), unit,
                     fields["speedup_vs_baseline"].get<double>());
}

}  // namespace ilf
