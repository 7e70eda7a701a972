#include "runner/round/round.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "runner/round/adapters.h"
#include "runner/round/round_table.h"
#include "runner/round/run_dir.h"
#include "runner/round/stages.h"
#include "src/core/log.h"
#include "src/core/progress.h"

namespace ilf::round {
namespace {

using StageFn = Json (*)(StageContext&);

const std::map<std::string, StageFn>& StageTable() {
  static const std::map<std::string, StageFn> table = {{"train_refiner", StageTrainRefiner},
                                                       {"sample", StageSample},
                                                       {"execute", StageExecute},
                                                       {"feedback", StageFeedback},
                                                       {"refine", StageRefine},
                                                       {"select", StageSelect},
                                                       {"finetune", StageFinetune},
                                                       {"eval_before", StageEvalBefore},
                                                       {"eval_after", StageEvalAfter}};
  return table;
}

Json Versions() {
  return {
      {"ilf", "0.1.0"},
      {"artifacts", {{"samples", 1}, {"results", 1}, {"feedback", 1}, {"pairs", 1}, {"run", 1}}}};
}

}  // namespace

std::vector<std::string> StageNames(const RoundConfig& config, int round) {
  std::vector<std::string> names;
  if (round == 1 && !config.refiner.annotations.empty()) names.push_back("train_refiner");
  for (const char* name : {"sample", "execute", "feedback", "refine", "select", "finetune",
                           "eval_before", "eval_after"})
    names.push_back(name);
  return names;
}

Json RunRounds(const RoundOptions& options) {
  // Each stage's wall time runs from the end of the previous stage (or from here), so the stages'
  // walls add up to the whole run: the time between stages counts in the stage after it, as IO
  // (opening the run and the suite, saving the manifest) or orchestration (the rest).
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  auto mark = Clock::now();
  const RoundConfig& config = options.config;
  RunDir run(options.run_dir, config.ToJson(), options.resume, Versions());
  std::unique_ptr<TaskAdapter> adapter =
      options.make_adapter ? options.make_adapter(config) : MakeTaskAdapter(config);
  double io_between_s = seconds_since(mark);
  std::string policy = config.policy_model;
  std::string refiner;
  if (!config.refiner.annotations.empty()) refiner = RefinerModelDir(run.RoundDir(1));
  for (int r = 1; r <= config.rounds; ++r) {
    StageContext ctx{config, *adapter, run, r, run.RoundDir(r), policy, "", {}, ""};
    ctx.refiner_dir = !refiner.empty()               ? refiner
                      : !config.refine_model.empty() ? config.refine_model
                                                     : policy;
    for (const std::string& name : StageNames(config, r)) {
      if (run.Done(r, name)) {
        LogInfo("round {} {}: done before, skipped", r, name);
        continue;
      }
      ctx.times = StageTimes{};
      ctx.times.io_s = io_between_s;
      ctx.stage = name;
      Json counts = StageTable().at(name)(ctx);
      auto end = Clock::now();
      ctx.times.wall_s = std::chrono::duration<double>(end - mark).count();
      run.MarkDone(r, name, counts, ctx.times, {});
      std::filesystem::remove(ctx.RequestJournal());  // its answers are in the stage's artifacts
      io_between_s = seconds_since(end);
      mark = end;
      LogInfo("round {} {}: {} ({})", r, name, counts.dump(), FormatDuration(ctx.times.wall_s));
    }
    std::fputs(FormatRoundTable(run.manifest(), r).c_str(), stdout);
    std::fflush(stdout);
    policy = PolicyAfter(ctx);
  }
  return run.manifest();
}

}  // namespace ilf::round
