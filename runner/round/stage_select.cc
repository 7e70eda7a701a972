// Stage 5: check the refinements; the adapter selects at most one per task (code: a correct one;
// summarization: the best by InstructRM), which becomes a finetuning pair.
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
  {
    Timed timed(&ctx.times.io_s);
    request.feedback = ctx.adapter.ReadFeedback(ctx.Path("feedback.jsonl"));
  }
  std::unique_ptr<TextModel> scorer;  // loaded only when the adapter's selector asks
  const RoundConfig& c = ctx.config;
  request.scorer = LazyModelLoader(ctx, c.scorer_model.empty() ? c.policy_model : c.scorer_model,
                                   c.scorer_model_name, &scorer);
  std::vector<Selection> selections;
  {
    Timed timed(&ctx.times.model_s);  // a selector's model calls; rule-based selection is instant
    selections = ctx.adapter.Select(refinements, checks, request);
  }
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
