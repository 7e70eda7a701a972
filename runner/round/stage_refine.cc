// Stage 4: N refinements per feedback item with π_Refine.
#include "runner/round/refine.h"
#include "runner/round/stages.h"

namespace ilf::round {

Json StageRefine(StageContext& ctx) {
  std::vector<FeedbackItem> items;
  {
    Timed timed(&ctx.times.io_s);
    items = ctx.adapter.ReadFeedback(ctx.Path("feedback.jsonl"));
  }
  // refine_model_name names the config's refine_model, not stage 0's π_Refine.
  const std::string& served_name =
      ctx.refiner_dir == ctx.config.refine_model ? ctx.config.refine_model_name : "";
  std::unique_ptr<TextModel> refiner = LoadTextModel(ctx, ctx.refiner_dir, served_name);
  lm::GenerateOptions options = SamplingOptions(ctx, ctx.config.refinements_per_item,
                                                ctx.config.sampling.temperature, "refine");
  size_t skipped = 0;
  std::vector<Output> refinements;
  {
    Timed timed(&ctx.times.model_s);
    size_t usable = 0;
    for (const FeedbackItem& item : items) usable += !item.feedback.empty();
    Progress progress("round " + std::to_string(ctx.round) + " refine",
                      static_cast<int64_t>(usable) * options.n);
    refinements = Refine(ctx.adapter, *refiner, items, options,
                         GenerationProgress(ctx, progress, "refine"), &skipped);
    progress.Finish();
  }
  WriteOutputs(ctx, "refinements.jsonl", refinements);
  return {{"feedback_items", items.size() - skipped}, {"refinements", refinements.size()}};
}

}  // namespace ilf::round
