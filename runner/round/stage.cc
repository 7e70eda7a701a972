#include "runner/round/stage.h"

#include <csignal>
#include <cstdlib>
#include <memory>

#include "src/core/progress.h"

namespace ilf::round {

void WriteOutputs(StageContext& ctx, const std::string& name, const std::vector<Output>& outputs) {
  Timed timed(&ctx.times.io_s);
  JsonlWriter writer(ctx.Path(name), ArtifactHeader{"ilf.samples", 1, ctx.run.config_hash()});
  for (const Output& output : outputs) {
    Json record = output.ToJson();
    record["round"] = ctx.round;
    writer.Write(record);
  }
  writer.Commit();
}

std::vector<Output> ReadOutputs(StageContext& ctx, const std::string& name) {
  Timed timed(&ctx.times.io_s);
  std::vector<Output> outputs;
  for (const JsonlRecord& record : ReadArtifact(ctx.Path(name), "ilf.samples", 1, true))
    outputs.push_back(Output::FromRecord(record));
  return outputs;
}

void WriteChecks(StageContext& ctx, const std::string& name, const std::vector<Check>& checks) {
  Timed timed(&ctx.times.io_s);
  JsonlWriter writer(ctx.Path(name), ArtifactHeader{"ilf.results", 1, ctx.run.config_hash()});
  for (const Check& check : checks) writer.Write(check.ToJson());
  writer.Commit();
}

std::vector<Check> ReadChecks(StageContext& ctx, const std::string& name) {
  Timed timed(&ctx.times.io_s);
  std::vector<Check> checks;
  for (const JsonlRecord& record : ReadArtifact(ctx.Path(name), "ilf.results", 1, true))
    checks.push_back(Check::FromRecord(record));
  return checks;
}

std::vector<std::string> TrainTaskIds(const StageContext& ctx) {
  const RoundConfig& c = ctx.config;
  return c.train_task_ids.empty() ? ctx.adapter.TaskIds(c.train_split, c.train_limit)
                                  : c.train_task_ids;
}

std::vector<std::string> EvalTaskIds(const StageContext& ctx) {
  const RoundConfig& c = ctx.config;
  return c.eval_task_ids.empty() ? ctx.adapter.TaskIds(c.eval_split, c.eval_limit)
                                 : c.eval_task_ids;
}

lm::LoadOptions ModelLoadOptions(const StageContext& ctx, const std::string& served_name) {
  const RoundConfig& c = ctx.config;
  lm::LoadOptions load;
  load.device = c.device;
  load.dtype = c.dtype;
  load.threads = static_cast<int>(c.threads);
  load.remote.model_name = served_name;
  load.remote.tokenizer_dir = c.tokenizer;
  load.remote.concurrency = static_cast<int>(c.endpoint.concurrency);
  load.remote.max_retries = static_cast<int>(c.endpoint.max_retries);
  load.remote.request_timeout_s = c.endpoint.request_timeout_s;
  load.remote.journal_path = ctx.RequestJournal();
  return load;
}

std::unique_ptr<TextModel> LoadTextModel(StageContext& ctx, const std::string& dir,
                                         const std::string& served_name) {
  Timed timed(&ctx.times.model_s);
  return std::make_unique<TextModel>(dir, ctx.config.tokenizer, ModelLoadOptions(ctx, served_name));
}

ModelLoader LazyModelLoader(StageContext& ctx, const std::string& dir,
                            const std::string& served_name, std::unique_ptr<TextModel>* holder) {
  return [&ctx, dir, served_name, holder]() {
    if (!*holder) {
      *holder = std::make_unique<TextModel>(dir, ctx.config.tokenizer,
                                            ModelLoadOptions(ctx, served_name));
    }
    return (*holder)->Ref();
  };
}

lm::GenerateOptions SamplingOptions(const StageContext& ctx, int64_t n, double temperature,
                                    const std::string& purpose) {
  lm::GenerateOptions options;
  options.n = n;
  options.temperature = temperature;
  options.top_p = ctx.config.sampling.top_p;
  options.max_new_tokens = ctx.config.sampling.max_new_tokens;
  options.max_batch_rows = ctx.config.sampling.batch_rows;
  std::string key = HashJson(Json::array({ctx.config.seed, ctx.round, purpose}));
  options.seed = std::stoull(key, nullptr, 16);
  return options;
}

std::vector<Generated> GenerateTimed(StageContext& ctx, TextModel& model,
                                     const std::vector<std::string>& prompts,
                                     const lm::GenerateOptions& options, const std::string& stage) {
  Timed timed(&ctx.times.model_s);
  Progress progress("round " + std::to_string(ctx.round) + " " + stage,
                    static_cast<int64_t>(prompts.size()) * options.n);
  std::vector<Generated> generated =
      model.Generate(prompts, options, ctx.adapter, GenerationProgress(ctx, progress, stage));
  progress.Finish();
  return generated;
}

std::function<void(int64_t)> GenerationProgress(const StageContext& ctx, Progress& progress,
                                                const std::string& stage) {
  auto reported = std::make_shared<int64_t>(0);
  return [&ctx, &progress, stage, reported](int64_t finished) {
    progress.Advance(finished - *reported);
    *reported = finished;
    if (finished >= 1) KillPoint(ctx, stage);
  };
}

bool KillRequested(const StageContext& ctx, const std::string& stage) {
  const char* at = std::getenv("ILF_KILL_AT");
  return at != nullptr && std::string(at) == "round-" + std::to_string(ctx.round) + "/" + stage;
}

void KillPoint(const StageContext& ctx, const std::string& stage) {
  if (KillRequested(ctx, stage)) std::raise(SIGKILL);
}

}  // namespace ilf::round
