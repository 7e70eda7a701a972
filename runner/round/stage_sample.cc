// Stage 1: n outputs per training task from π_θ.
#include "runner/round/stages.h"

namespace ilf::round {

Json StageSample(StageContext& ctx) {
  std::vector<std::string> task_ids = TrainTaskIds(ctx);
  std::vector<std::string> prompts;
  for (const std::string& id : task_ids) prompts.push_back(ctx.adapter.InitialPrompt(id));
  std::unique_ptr<TextModel> policy = LoadTextModel(ctx, ctx.policy_dir);
  lm::GenerateOptions options =
      SamplingOptions(ctx, ctx.config.samples_per_task, ctx.config.sampling.temperature, "sample");
  std::vector<Output> outputs;
  for (const Generated& g : GenerateTimed(ctx, *policy, prompts, options, "sample")) {
    Output output;
    output.task_id = task_ids[g.prompt_index];
    output.sample_id = std::to_string(g.sample_index);
    output.completion = g.text;
    output.logprob = g.logprob;
    outputs.push_back(std::move(output));
  }
  WriteOutputs(ctx, "samples.jsonl", outputs);
  return {{"tasks", task_ids.size()}, {"samples", outputs.size()}};
}

}  // namespace ilf::round
