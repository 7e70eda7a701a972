// `ilf feedback`: feedback on the incorrect programs of `ilf eval`'s results, from a human file, a
// model, or the sandbox's own observations; one call into feedback/run_feedback.h.
#include <cstdio>

#include "feedback/run_feedback.h"
#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/executable.h"
#include "runner/remote_flags.h"
#include "src/core/error.h"

namespace ilf {

int RunFeedback(int argc, char** argv) {
  CLI::App app{
      "Feedback on incorrect programs: takes up to N incorrect programs (seeded choice) of "
      "each task with no passing sample in RESULTS.jsonl, runs the source and writes one "
      "record per program (ilf.feedback JSONL; an item the source could not serve carries "
      "its reason in 'error').",
      "ilf feedback"};
  feedback::FeedbackOptions o;
  app.add_option("--source", o.source,
                 "human:FILE (ilf.feedback or the paper's surge_annotations.jsonl), "
                 "model:DIR (a checkpoint), model:http(s)://HOST:PORT/v1 (an OpenAI-compatible "
                 "endpoint, chat through /v1/chat/completions, key from ILF_API_KEY) or execution "
                 "(the sandbox's observations)")
      ->required();
  app.add_option("--suite", o.suite, "NAME[:SPLIT] or MANIFEST.json[:SPLIT]")->required();
  app.add_option("--results", o.results_path,
                 "results.jsonl of `ilf eval` (required unless --source human:FILE, "
                 "whose own records are then the items)");
  app.add_option("--per-task", o.per_task, "incorrect programs per task at most")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--seed", o.seed, "seeds the choice of programs and the model's sampling")
      ->capture_default_str();
  app.add_option("--out", o.out_path, "feedback JSONL to write (atomically)")->required();
  app.add_option("--shots", o.shots,
                 "model: human-annotated examples of other tasks in the prompt (0, 1, 2)")
      ->capture_default_str()
      ->check(IntBetween(0, 2));
  app.add_option("--shots-from", o.shots_path,
                 "model: human feedback file the shots come from "
                 "(default: ILF_DATA_DIR/ilf-code/surge_annotations.jsonl)");
  bool no_tests = false, no_chat = false;
  app.add_flag("--no-tests", no_tests,
               "model: leave the failing tests and their messages out of the prompt");
  app.add_flag("--no-chat", no_chat, "model: plain prompt even when the model has a chat template");
  app.add_option("--temperature", o.temperature, "model: sampling temperature (0 = greedy)")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax));
  app.add_option("--max-new-tokens", o.max_new_tokens, "model: longest feedback, in tokens")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--batch", o.batch_rows,
                 "model: prompts decoded together (output does not depend on it)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--device", o.device, "model: auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--dtype", o.dtype, "model: auto, float32, bfloat16, float16")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "model: CPU threads (0 = the core count)")
      ->check(IntAtLeast(0));
  app.add_option("--tokenizer", o.tokenizer_dir,
                 "model: tokenizer directory (default: the model's; an endpoint needs none for "
                 "chat)");
  AddRemoteFlags(app, &o.remote);
  app.add_option("--max-words", o.max_feedback_tokens, "execution: longest note, in words")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--workers", o.sandbox_workers,
                 "execution: parallel sandbox helpers (default: one per core)")
      ->check(IntAtLeast(0));
  app.add_flag("--allow-weaker-sandbox", o.allow_weaker_sandbox,
               "execution: run even if an essential isolation layer is missing");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  o.show_tests = !no_tests;
  o.chat = !no_chat;
  o.model_source = ModelSourceFactory();
  if (o.source.rfind("model:", 0) == 0 && o.model_source == nullptr) {
    HandOverToTorch("feedback", argc, argv);  // before anything is read or written
  }
  feedback::FeedbackStats stats = feedback::RunFeedback(o);
  std::printf(
      "%zu feedback records written to %s (%zu could not be served, see 'error'; %zu tasks with a "
      "passing sample left out)\n",
      stats.written, o.out_path.c_str(), stats.errors, stats.tasks_skipped_passing);
  return kExitOk;
}

}  // namespace ilf
