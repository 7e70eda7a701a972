// Stage 0 (optional): train π_Refine on human annotations, as Chen et al. did: refinement prompt
// (code: OLD CODE/FEEDBACK/REFINEMENT) -> the human refinement, the pairs from the adapter. Runs in
// round 1; later rounds reuse it.
#include "runner/round/stages.h"
#include "src/core/error.h"

namespace ilf::round {

std::string RefinerModelDir(const std::string& round_dir) { return round_dir + "/refiner/model"; }

Json StageTrainRefiner(StageContext& ctx) {
  const RefinerTraining& settings = ctx.config.refiner;
  std::string pairs_path = ctx.Path("refiner_pairs.jsonl");
  size_t pairs = 0;
  {
    Timed timed(&ctx.times.io_s);
    pairs = ctx.adapter.WriteRefinerPairs(settings.annotations, settings.task_ids, pairs_path,
                                          ctx.run.config_hash());
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
