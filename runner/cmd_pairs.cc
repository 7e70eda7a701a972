// `ilf pairs`: finetuning pairs from human feedback with refinements (feedback/pairs.h), for
// π_Refine (--kind refine) or π_θ (--kind policy), in the format `ilf finetune` reads.
#include <cstdio>

#include "feedback/human_file.h"
#include "feedback/pairs.h"
#include "runner/cli.h"
#include "runner/commands.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "tasks/prompts.h"
#include "tasks/suite.h"

namespace ilf {

int RunPairs(int argc, char** argv) {
  CLI::App app{
      "Training pairs from human feedback and refinements: --kind refine gives "
      "(OLD CODE/FEEDBACK/REFINEMENT prompt -> human refinement) for the refinement model, "
      "--kind policy gives (task prompt -> human refinement) for the policy. Writes JSONL "
      "{prompt, target, task_id, feedback_id} with the ilf.pairs header (`ilf finetune "
      "--data`).",
      "ilf pairs"};
  std::string from, kind, suite_spec, out;
  app.add_option("--from", from,
                 "human:FILE: an ilf.feedback file with refinements, or the ILF "
                 "paper's surge_annotations.jsonl")
      ->required();
  app.add_option("--kind", kind, "refine (for π_Refine) or policy (for π_θ)")
      ->required()
      ->check(CLI::IsMember({"refine", "policy"}));
  app.add_option("--suite", suite_spec,
                 "NAME[:SPLIT] or MANIFEST.json[:SPLIT]: gives the task "
                 "prompts; records of tasks outside the split are skipped")
      ->required();
  app.add_option("--out", out, "pairs JSONL to write (atomically)")->required();
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (from.rfind("human:", 0) != 0 || from.size() == 6) {
    throw Error("--from: expected human:FILE, got '" + from + "'");
  }
  std::string path = from.substr(6);
  std::unique_ptr<tasks::SuiteSelection> selection = tasks::SelectSuite(suite_spec);
  size_t skipped = 0;
  std::vector<feedback::FeedbackRecord> records =
      feedback::HumanFeedbackFor(path, *selection, &skipped);
  feedback::PairKind pair_kind =
      kind == "refine" ? feedback::PairKind::kRefine : feedback::PairKind::kPolicy;
  Json config{{"from", from}, {"kind", kind}, {"suite", suite_spec}};
  JsonlWriter writer(out, ArtifactHeader{"ilf.pairs", 1, HashJson(config)});
  size_t written = 0;
  for (const feedback::FeedbackRecord& record : records) {
    if (!record.ok()) continue;  // a record a source could not serve has no feedback to learn from
    const tasks::Task* task = selection->suite.Find(record.task_id);
    std::string where = path + " (feedback_id '" + record.feedback_id + "')";
    if (record.refinement.empty()) {
      throw Error(where + ": no 'refinement'; pairs need human refinements");
    }
    feedback::Pair pair =
        feedback::MakePair(record, tasks::BuildPrompt(selection->suite, *task), pair_kind);
    writer.Write(pair.ToJson(record));
    ++written;
  }
  if (written == 0)
    throw Error(path + ": no records with feedback and a refinement in suite '" + suite_spec + "'");
  writer.Commit();
  if (skipped > 0)
    LogInfo("{} records belong to tasks outside split '{}' and are skipped", skipped,
            selection->split);
  std::printf("%zu %s pairs written to %s\n", written, kind.c_str(), out.c_str());
  return kExitOk;
}

}  // namespace ilf
