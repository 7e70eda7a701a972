// What every stage of a round sees, and the helpers stages share: artifact IO with the run's
// config hash, timing by category, models loaded once per stage, and the deterministic kill
// point of the resume tests.
//
// A stage reads earlier stages' artifacts from ctx.round_dir, does one piece of work through the
// task adapter or the model, and writes its outputs atomically; it returns its counts. Stages
// never branch on the task kind.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runner/round/config.h"
#include "runner/round/generation.h"
#include "runner/round/run_dir.h"
#include "runner/round/task_adapter.h"
#include "src/core/progress.h"

namespace ilf::round {

struct StageContext {
  const RoundConfig& config;
  TaskAdapter& adapter;
  const RunDir& run;
  int round = 1;            // 1-based
  std::string round_dir;    // DIR/round-K
  std::string policy_dir;   // π_θ at the start of this round
  std::string refiner_dir;  // π_Refine of this round (stage 0's output when it ran)
  StageTimes times;         // filled as the stage runs
  std::string stage;        // the running stage's name ("feedback", "eval_before", ...)

  std::string Path(const std::string& name) const { return round_dir + "/" + name; }
  // DIR/round-K/STAGE.requests.jsonl: the answers of the stage's endpoint models, kept from a
  // killed run so that its resume asks only for the rest; removed once the stage is done.
  std::string RequestJournal() const { return Path(stage + ".requests.jsonl"); }
};

// Adds the time of its scope to one of StageTimes' categories.
class Timed {
 public:
  explicit Timed(double* seconds) : seconds_(seconds), start_(std::chrono::steady_clock::now()) {}
  ~Timed() {
    *seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  double* seconds_;
  std::chrono::steady_clock::time_point start_;
};

// Artifact IO (timed as io_s). Schemas: ilf.samples (Output), ilf.results (Check), ilf.pairs.
void WriteOutputs(StageContext& ctx, const std::string& name, const std::vector<Output>& outputs);
std::vector<Output> ReadOutputs(StageContext& ctx, const std::string& name);
void WriteChecks(StageContext& ctx, const std::string& name, const std::vector<Check>& checks);
std::vector<Check> ReadChecks(StageContext& ctx, const std::string& name);

// The round's training and held-out task ids (explicit lists, else split and limit).
std::vector<std::string> TrainTaskIds(const StageContext& ctx);
std::vector<std::string> EvalTaskIds(const StageContext& ctx);

// How the stage loads a model: the config's device, dtype and threads; for an http(s):// model,
// the served name `served_name` ("" = the first of /v1/models), the config's endpoint settings and
// tokenizer, answers journaled in ctx.RequestJournal().
lm::LoadOptions ModelLoadOptions(const StageContext& ctx, const std::string& served_name);

// Loads a model (directory or URL served as `served_name`) for text generation (timed as model_s).
std::unique_ptr<TextModel> LoadTextModel(StageContext& ctx, const std::string& dir,
                                         const std::string& served_name = "");

// A ModelLoader for an adapter: loads `dir` into `*holder` on its first call, then hands out the
// same model. Untimed: the stage times the adapter call that may load it as model_s. `ctx` and
// `holder` must outlive the loader's use.
ModelLoader LazyModelLoader(StageContext& ctx, const std::string& dir,
                            const std::string& served_name, std::unique_ptr<TextModel>* holder);

// Sampling settings of the config with n samples per prompt, seeded by (run seed, round, purpose).
lm::GenerateOptions SamplingOptions(const StageContext& ctx, int64_t n, double temperature,
                                    const std::string& purpose);

// Generates n outputs per task with `model` (timed as model_s); sample ids "0" .. "n-1" (or
// "{id_prefix[i]}{j}"), with progress and the kill point `stage` inside.
std::vector<Generated> GenerateTimed(StageContext& ctx, TextModel& model,
                                     const std::vector<std::string>& prompts,
                                     const lm::GenerateOptions& options, const std::string& stage);

// A progress callback for lm generation: advances `progress` and passes the kill point `stage`
// once the first output is done (inside the stage: work done, nothing written).
std::function<void(int64_t)> GenerationProgress(const StageContext& ctx, Progress& progress,
                                                const std::string& stage);

// The resume tests' deterministic interruption: when the environment variable ILF_KILL_AT equals
// "round-K/STAGE" (for this round and stage), the process SIGKILLs itself here.
void KillPoint(const StageContext& ctx, const std::string& stage);
bool KillRequested(const StageContext& ctx, const std::string& stage);

}  // namespace ilf::round
