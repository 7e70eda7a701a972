// Stage 5: check the refinements; one correct refinement per task becomes a finetuning pair.
#include <set>

#include "runner/round/stages.h"

namespace ilf::round {

Json StageSelect(StageContext& ctx) {
  std::vector<Output> refinements = ReadOutputs(ctx, "refinements.jsonl");
  std::vector<Check> checks;
  if (!refinements.empty()) {
    Timed timed(&ctx.times.sandbox_s);
    checks = ctx.adapter.CheckOutputs(refinements);
  }
  WriteChecks(ctx, "refinement_results.jsonl", checks);
  SelectRequest request;
  request.rule = ctx.config.selection;
  request.seed = ctx.config.seed + static_cast<uint64_t>(ctx.round);
  std::vector<Selection> selections = ctx.adapter.Select(refinements, checks, request);
  KillPoint(ctx, "select");
  {
    Timed timed(&ctx.times.io_s);
    JsonlWriter writer(ctx.Path("pairs.jsonl"),
                       ArtifactHeader{"ilf.pairs", 1, ctx.run.config_hash()});
    for (const Selection& s : selections) writer.Write(s.ToJson());
    writer.Commit();
  }
  int64_t correct = 0;
  std::set<std::string> tasks_correct;
  for (const Check& check : checks) {
    correct += check.passed;
    if (check.passed) tasks_correct.insert(check.task_id);
  }
  return {{"refinements", refinements.size()},
          {"correct_refinements", correct},
          {"tasks_with_correct_refinement", tasks_correct.size()},
          {"selected_pairs", selections.size()}};
}

}  // namespace ilf::round
