// Stage 3: feedback on up to m incorrect outputs of each task without a correct one.
#include "runner/round/stages.h"

namespace ilf::round {

Json StageFeedback(StageContext& ctx) {
  FeedbackRequest request;
  request.samples_path = ctx.Path("samples.jsonl");
  request.checks_path = ctx.Path("results.jsonl");
  request.out_path = ctx.Path("feedback.jsonl");
  request.source = ctx.config.feedback.source;
  request.per_task = ctx.config.feedback.per_task;
  request.shots = ctx.config.feedback.shots;
  request.seed = ctx.config.seed + static_cast<uint64_t>(ctx.round);
  request.load = ModelLoadOptions(ctx, ctx.config.feedback.model_name);
  request.tokenizer = ctx.config.tokenizer;
  request.config_hash = ctx.run.config_hash();
  std::vector<FeedbackItem> items;
  {
    // Model feedback and sandbox runs both happen in here; their time counts as model time.
    Timed timed(&ctx.times.model_s);
    items = ctx.adapter.WriteFeedback(request);
  }
  // Inside the stage: its file is written, the manifest does not know it yet (a resume redoes it).
  KillPoint(ctx, "feedback");
  int64_t usable = 0;
  for (const FeedbackItem& item : items) usable += !item.feedback.empty();
  return {{"feedback_items", items.size()}, {"usable", usable}};
}

}  // namespace ilf::round
