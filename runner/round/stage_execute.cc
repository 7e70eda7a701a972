// Stage 2: check the initial outputs; tasks without a correct one go on to feedback (the check's
// score, the adapter's quality in [0, 1], is averaged: code, share of tests; summaries, ROUGE-L).
#include <set>

#include "runner/round/stages.h"

namespace ilf::round {

Json StageExecute(StageContext& ctx) {
  std::vector<Output> samples = ReadOutputs(ctx, "samples.jsonl");
  std::vector<Check> checks;
  {
    Timed timed(&ctx.times.sandbox_s);
    checks = ctx.adapter.CheckOutputs(samples);
  }
  KillPoint(ctx, "execute");
  WriteChecks(ctx, "results.jsonl", checks);
  std::set<std::string> tasks, solved;
  int64_t passed = 0;
  double score = 0;
  for (const Check& check : checks) {
    score += check.score;
    tasks.insert(check.task_id);
    if (check.passed) solved.insert(check.task_id);
    passed += check.passed;
  }
  double rate = checks.empty() ? 0.0 : static_cast<double>(passed) / checks.size();
  double mean_score = checks.empty() ? 0.0 : score / checks.size();
  return {{"samples", checks.size()}, {"passed", passed},
          {"pass_rate", rate},        {"mean_score", mean_score},
          {"tasks", tasks.size()},    {"tasks_needing_feedback", tasks.size() - solved.size()}};
}

}  // namespace ilf::round
