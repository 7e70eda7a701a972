// Stage 0 (optional): train π_Refine on human annotations, as Chen et al. did: refinement prompt
// (OLD CODE/FEEDBACK/REFINEMENT) -> the human refinement. Runs in round 1; later rounds reuse it.
#include <set>

#include "feedback/human_file.h"
#include "feedback/pairs.h"
#include "runner/round/stages.h"
#include "src/core/error.h"
#include "tasks/prompts.h"
#include "tasks/suite.h"

namespace ilf::round {

std::string RefinerModelDir(const std::string& round_dir) { return round_dir + "/refiner/model"; }

Json StageTrainRefiner(StageContext& ctx) {
  const RefinerTraining& settings = ctx.config.refiner;
  std::set<std::string> wanted(settings.task_ids.begin(), settings.task_ids.end());
  std::string pairs_path = ctx.Path("refiner_pairs.jsonl");
  size_t pairs = 0;
  {
    Timed timed(&ctx.times.io_s);
    std::unique_ptr<tasks::SuiteSelection> suite = tasks::SelectSuite(ctx.config.suite);
    JsonlWriter writer(pairs_path, ArtifactHeader{"ilf.pairs", 1, ctx.run.config_hash()});
    for (const feedback::FeedbackRecord& record :
         feedback::HumanFeedbackFor(settings.annotations, *suite)) {
      if (!wanted.empty() && !wanted.count(record.task_id)) continue;
      if (!record.ok() || record.refinement.empty()) continue;
      std::string initial = ctx.adapter.InitialPrompt(record.task_id);
      feedback::Pair pair = feedback::MakePair(record, initial, feedback::PairKind::kRefine);
      // The prompt as the round's refine stage builds it (old code cut to its token budget).
      pair.prompt = ctx.adapter.RefinementPrompt(record.task_id, record.program, record.feedback);
      writer.Write(pair.ToJson(record));
      ++pairs;
    }
    writer.Commit();
  }
  if (pairs == 0)
    throw Error(settings.annotations +
                ": no annotated refinement for the tasks of "
                "'refiner.task_ids'; π_Refine cannot be trained");
  std::string base =
      ctx.config.refine_model.empty() ? ctx.config.policy_model : ctx.config.refine_model;
  lm::FinetuneConfig config =
      FinetuneConfigOf(settings.finetune, base, pairs_path, ctx.round_dir + "/refiner", ctx.config);
  lm::FinetuneResult result = FinetuneWithKillPoint(ctx, config, "train_refiner");
  return {{"pairs", pairs}, {"steps", result.steps}, {"final_loss", result.final_loss}};
}

}  // namespace ilf::round
