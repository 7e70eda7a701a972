// Stage 6: finetune π_θ on (task prompt -> selected refinement); resumable inside (checkpoints).
#include <algorithm>
#include <csignal>
#include <filesystem>

#include "runner/round/stages.h"
#include "src/core/interrupt.h"
#include "src/lm/train/finetune.h"

namespace ilf::round {

std::string FinetunedModelDir(const std::string& round_dir) {
  return round_dir + "/finetune/model";
}

lm::FinetuneConfig FinetuneConfigOf(const FinetuneSettings& s, const std::string& model_dir,
                                    const std::string& data_path, const std::string& out_dir,
                                    const RoundConfig& config) {
  lm::FinetuneConfig f;
  f.model_dir = model_dir;
  f.data_path = data_path;
  f.out_dir = out_dir;
  f.epochs = s.epochs;
  f.lr = s.lr;
  f.batch_size = s.batch_size;
  f.grad_accum = s.grad_accum;
  f.warmup_steps = s.warmup_steps;
  f.lora.rank = s.lora_rank;
  f.lora.alpha = s.lora_alpha;
  f.save_every_steps = s.save_every_steps;
  f.max_length = s.max_length;
  f.seed = config.seed;
  f.device = config.device;
  f.resume = std::filesystem::exists(out_dir);
  return f;
}

// Runs Finetune; under ILF_KILL_AT for `stage` it dies by SIGKILL right after its first
// checkpoint (step save_every_steps), which is what the resume continues from; with
// save_every_steps 0 (a checkpoint per epoch) after the first step, before any checkpoint.
lm::FinetuneResult FinetuneWithKillPoint(StageContext& ctx, lm::FinetuneConfig config,
                                         const std::string& stage) {
  Timed timed(&ctx.times.model_s);
  if (!KillRequested(ctx, stage)) return lm::Finetune(config);
  config.stop_after_steps = std::max<int64_t>(1, config.save_every_steps);
  try {
    lm::Finetune(config);
  } catch (const Interrupted&) {
  }
  std::raise(SIGKILL);
  return {};
}

Json StageFinetune(StageContext& ctx) {
  std::string pairs_path = ctx.Path("pairs.jsonl");
  size_t pairs = 0;
  {
    Timed timed(&ctx.times.io_s);
    pairs = ReadArtifact(pairs_path, "ilf.pairs", 1, true).size();
  }
  if (pairs == 0) {
    KillPoint(ctx, "finetune");
    return {{"pairs", 0}, {"steps", 0}, {"note", "no selected pairs: π_θ unchanged"}};
  }
  lm::FinetuneConfig config = FinetuneConfigOf(ctx.config.finetune, ctx.policy_dir, pairs_path,
                                               ctx.round_dir + "/finetune", ctx.config);
  lm::FinetuneResult result = FinetuneWithKillPoint(ctx, config, "finetune");
  return {{"pairs", pairs}, {"steps", result.steps}, {"final_loss", result.final_loss}};
}

}  // namespace ilf::round
