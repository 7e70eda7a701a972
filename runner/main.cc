// ilf: imitation learning from language feedback. Dispatches to the subcommand table in cli.h and
// is the only place that turns errors into exit codes. Built twice: `ilf` and `ilf-torch`
// (executable.h).
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "runner/cli.h"
#include "runner/executable.h"
#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/core/log.h"

namespace {

void PrintUsage() {
  std::printf("usage: ilf COMMAND [options]   (ilf COMMAND --help for its options)\n\ncommands:\n");
  for (const ilf::Command& command : ilf::Commands()) {
    std::printf("  %-15s %s\n", command.name, command.summary);
  }
  std::printf("\nexit codes: 0 ok, 1 failed, 2 usage or input error, 130 interrupted\n");
}

// How users type a command: the benchmarks' table entries are "bench-NAME", typed `ilf bench NAME`
// (and handed over to ilf-torch under the table name).
std::string DisplayName(const char* name) {
  std::string display = name;
  if (display.rfind("bench-", 0) == 0) display[5] = ' ';
  return display;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage();
    return argc < 2 ? ilf::kExitUsage : ilf::kExitOk;
  }
  if (const char* level = std::getenv("ILF_LOG_LEVEL")) {
    if (std::strcmp(level, "debug") == 0) ilf::SetLogLevel(ilf::LogLevel::kDebug);
    if (std::strcmp(level, "warning") == 0) ilf::SetLogLevel(ilf::LogLevel::kWarning);
  }
  ilf::InstallInterruptHandler();
  // `ilf bench NAME ...` runs the table entry bench-NAME (RunBench lists them and names an unknown
  // one).
  std::string bench_entry;
  if (argc >= 3 && std::strcmp(argv[1], "bench") == 0) {
    bench_entry = std::string("bench-") + argv[2];
    for (const ilf::Command& command : ilf::Commands()) {
      if (bench_entry != command.name) continue;
      argv[2] = bench_entry.data();
      --argc;
      ++argv;
      break;
    }
  }
  for (const ilf::Command& command : ilf::Commands()) {
    if (std::strcmp(argv[1], command.name) != 0) continue;
    const std::string display = DisplayName(command.name);
    std::string name = "ilf " + display;
    argv[1] = name.data();
    try {
      return ilf::RunCommand(command, argc - 1, argv + 1);
    } catch (const ilf::Interrupted&) {
      std::fprintf(stderr, "ilf: interrupted\n");
      return ilf::kExitInterrupted;
    } catch (const ilf::Error& e) {
      std::fprintf(stderr, "ilf %s: error: %s\n", display.c_str(), e.what());
      return e.exit_code();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ilf %s: error: %s\n", display.c_str(), e.what());
      return ilf::kExitFailed;
    }
  }
  std::vector<std::string> names;
  for (const ilf::Command& command : ilf::Commands()) names.push_back(command.name);
  std::optional<std::string> closest = ilf::ClosestName(argv[1], names);
  std::string hint = closest ? "did you mean '" + *closest + "'?" : "ilf --help lists them";
  std::fprintf(stderr, "ilf: unknown command '%s' (%s)\n", argv[1], hint.c_str());
  return ilf::kExitUsage;
}
