// `ilf refine`: N refinements per feedback item with a model (runner/round/refine.h).
#include <memory>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/model_flags.h"
#include "runner/round/code_adapter.h"
#include "runner/round/refine.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "src/core/progress.h"

namespace ilf {

int RunRefine(int argc, char** argv) {
  CLI::App app{
      "Refine programs given feedback: for each item of a feedback file (ilf.feedback, or the "
      "ILF paper's format via `ilf feedback --source human:FILE`), N refinements from the "
      "paper's prompt OLD CODE:\\n{old}\\n\\nFEEDBACK:\\n{feedback}\\n\\nREFINEMENT:\\n{initial "
      "prompt}, the old code cut to --old-code-tokens at a line boundary; the N refinements of "
      "an item share one prefill; completions are cut like initial samples. Writes samples "
      "JSONL (task_id, sample_id, parent_sample_id, feedback_id, completion) that `ilf eval` "
      "scores as it is.",
      "ilf refine"};
  ModelFlags model_flags;
  std::string suite, feedback_path, out_path;
  lm::GenerateOptions gen;
  gen.n = 30;
  gen.temperature = 0.8;
  gen.top_p = 0.95;
  gen.max_new_tokens = 512;
  int64_t old_code_tokens = 512;
  AddModelFlags(app, &model_flags);
  app.add_option("--suite", suite, "NAME or MANIFEST.json: the tasks' prompts")->required();
  app.add_option("--feedback", feedback_path, "feedback JSONL (ilf.feedback)")->required();
  app.add_option("--out", out_path, "refinements JSONL to write (atomically)")->required();
  AddSamplingFlags(app, &gen);
  app.add_option("--old-code-tokens", old_code_tokens, "old program budget in the prompt, tokens")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (gen.n < 1) throw Error("--n must be at least 1");

  std::unique_ptr<round::TextModel> model;  // loaded once the feedback file is known to be good
  round::CodeAdapterOptions options;
  options.suite = suite;
  options.old_code_max_tokens = old_code_tokens;
  options.count_tokens = [&](const std::string& text) { return model->CountTokens(text); };
  round::CodeAdapter adapter(options);
  // Every record is checked (fields, task ids of --suite) before any generation.
  std::vector<round::FeedbackItem> items = adapter.ReadFeedback(feedback_path);
  size_t usable = 0;
  for (const round::FeedbackItem& item : items) usable += !item.feedback.empty();
  if (usable == 0) {
    throw Error(feedback_path + ": no feedback to refine (" + std::to_string(items.size()) +
                " records" + (items.empty() ? "" : ", each with an 'error' and no feedback") + ")");
  }
  model = std::make_unique<round::TextModel>(model_flags.model_dir, model_flags.tokenizer_dir,
                                             model_flags.load);
  Progress progress("refine", static_cast<int64_t>(usable) * gen.n);
  int64_t reported = 0;
  size_t skipped = 0;
  std::vector<round::Output> refinements = round::Refine(
      adapter, *model, items, gen,
      [&](int64_t finished) {
        progress.Advance(finished - reported);
        reported = finished;
      },
      &skipped);
  progress.Finish();
  // The N refinements of an item share its prefill: prefill tokens are the items' prompt tokens.
  if (!lm::IsRemoteModel(model_flags.model_dir))
    LogInfo("refine: {}", model->model().last_generation_stats().Summary());
  JsonlWriter writer(out_path, ArtifactHeader{"ilf.samples", 1, ""});
  for (const round::Output& r : refinements) writer.Write(r.ToJson());
  writer.Commit();
  LogInfo("wrote {} refinements of {} feedback items to {} ({} items without feedback skipped)",
          refinements.size(), usable, out_path, skipped);
  return 0;
}

}  // namespace ilf
