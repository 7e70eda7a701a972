// `ilf round`: ILF rounds end to end in a resumable run directory (runner/round/round.h).
#include <cstdio>
#include <filesystem>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/round/config.h"
#include "runner/round/round.h"
#include "src/core/error.h"

namespace ilf {

int RunRound(int argc, char** argv) {
  CLI::App app{
      "Run ILF rounds (DESIGN.md §1): sample, execute, feedback, refine, select, finetune, "
      "evaluate before and after; every stage's artifact appears atomically in the run "
      "directory, and --resume continues after any interruption. The config is JSON; every "
      "field is optional and defaults to the paper's MBPP setting (--print-config shows them).",
      "ilf round"};
  std::string config_path, run_dir;
  int64_t rounds = 0;
  bool resume = false, print_config = false;
  app.add_option("--config", config_path, "round config (JSON)");
  app.add_option("--run-dir", run_dir, "run directory (default: runs/<config file name>)");
  app.add_option("--rounds", rounds, "number of rounds (overrides the config's 'rounds')")
      ->check(IntAtLeast(1));
  app.add_flag("--resume", resume, "continue the run in --run-dir (its config must be the same)");
  app.add_flag("--print-config", print_config,
               "print the effective config (every default filled in) and exit");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;

  round::RoundConfig config =
      config_path.empty() ? round::RoundConfig() : round::LoadRoundConfig(config_path);
  if (rounds > 0) config.rounds = rounds;
  if (print_config) {
    std::printf("%s\n", config.ToJson().dump(2).c_str());
    return 0;
  }
  if (config_path.empty()) throw Error("give --config FILE (ilf round --print-config shows one)");
  if (config.policy_model.empty())
    throw Error(config_path + ": 'policy_model' is required (a checkpoint directory)");
  if (run_dir.empty()) run_dir = "runs/" + std::filesystem::path(config_path).stem().string();
  round::RoundOptions options;
  options.config = config;
  options.run_dir = run_dir;
  options.resume = resume;
  round::RunRounds(options);
  std::printf("run directory: %s (ilf report %s)\n", run_dir.c_str(), run_dir.c_str());
  return 0;
}

}  // namespace ilf
