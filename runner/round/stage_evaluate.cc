// Stage 7: the model before and after the round, on held-out tasks (code: pass@k; summarization:
// ROUGE-L and win rate against the reference).
#include <filesystem>

#include "runner/round/stages.h"

namespace ilf::round {
namespace {

Json Evaluate(StageContext& ctx, const std::string& model_dir, const std::string& which) {
  std::vector<std::string> task_ids = EvalTaskIds(ctx);
  std::vector<std::string> prompts;
  for (const std::string& id : task_ids) prompts.push_back(ctx.adapter.InitialPrompt(id));
  std::unique_ptr<TextModel> model = LoadTextModel(ctx, model_dir);
  lm::GenerateOptions options =
      SamplingOptions(ctx, ctx.config.eval_samples_per_task, ctx.config.eval_temperature, "eval");
  std::string stage = "eval_" + which;
  std::vector<Output> samples;
  for (const Generated& g : GenerateTimed(ctx, *model, prompts, options, stage)) {
    samples.push_back(
        {task_ids[g.prompt_index], std::to_string(g.sample_index), g.text, g.logprob, "", ""});
  }
  std::vector<Check> checks;
  {
    Timed timed(&ctx.times.sandbox_s);
    checks = ctx.adapter.CheckOutputs(samples);
  }
  WriteOutputs(ctx, "eval-" + which + "-samples.jsonl", samples);
  WriteChecks(ctx, "eval-" + which + "-results.jsonl", checks);
  EvalRequest request;
  request.ks = ctx.config.ks;
  std::unique_ptr<TextModel> judge;  // loaded only when the adapter's metrics ask
  const RoundConfig& c = ctx.config;
  request.judge = LazyModelLoader(ctx, c.judge_model.empty() ? c.policy_model : c.judge_model,
                                  c.judge_model_name, &judge);
  Json metrics;
  {
    Timed timed(&ctx.times.model_s);
    metrics = ctx.adapter.Evaluate(samples, checks, request);
  }
  metrics["model"] = model_dir;
  return metrics;
}

}  // namespace

// The policy after a round: the finetuned model, or the round's policy when nothing was selected.
std::string PolicyAfter(const StageContext& ctx) {
  std::string finetuned = FinetunedModelDir(ctx.round_dir);
  return std::filesystem::exists(finetuned + "/config.json") ? finetuned : ctx.policy_dir;
}

Json StageEvalBefore(StageContext& ctx) { return Evaluate(ctx, ctx.policy_dir, "before"); }

Json StageEvalAfter(StageContext& ctx) { return Evaluate(ctx, PolicyAfter(ctx), "after"); }

}  // namespace ilf::round
