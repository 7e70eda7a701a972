// RunRounds: ILF rounds end to end (DESIGN.md §1), the work of `ilf round`. A round is the list of
// stages in runner/round/stages.h, run in order; each finished stage is recorded in the run
// directory's manifest (runner/round/run_dir.h), so `resume` continues after any interruption
// without redoing finished stages. Round r+1 starts from round r's finetuned policy.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runner/round/config.h"
#include "runner/round/task_adapter.h"
#include "src/core/jsonl.h"

namespace ilf::round {

struct RoundOptions {
  RoundConfig config;
  std::string run_dir;  // runs/NAME
  bool resume = false;  // continue the run in run_dir (its config must equal `config`)
  // Makes the task adapter of `config`; null = MakeTaskAdapter (the kinds `ilf` knows). A program
  // or test with a task kind of its own passes its factory here.
  std::function<std::unique_ptr<TaskAdapter>(const RoundConfig&)> make_adapter;
};

// Runs every round; returns the manifest. Throws ilf::Error for bad input, Interrupted on Ctrl-C
// (finished stages stay recorded).
Json RunRounds(const RoundOptions& options);

// The stage names of round `round` under `config`, in order.
std::vector<std::string> StageNames(const RoundConfig& config, int round);

}  // namespace ilf::round
