// `ilf score-refinements`: InstructRM or embedding-similarity selection over SLF5K-style records
// with generated_refinement_A, _B, ... (tasks/summarization/select.h).
#include <filesystem>
#include <memory>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/model_flags.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "src/core/progress.h"
#include "src/lm/language_model.h"
#include "tasks/summarization/select.h"
#include "tasks/summarization/suite.h"

namespace ilf {

int RunScoreRefinements(int argc, char** argv) {
  namespace sum = tasks::summarization;
  CLI::App app{
      "Select the best refinement of each item. Items are SLF5K-style JSONL records (title, post, "
      "generated_summary_for_feedback, feedback, generated_refinement_A, _B, ...). instructrm asks "
      "the model the paper's five InstructRM questions and scores P(' Yes') / (P(' Yes') + "
      "P(' No')) (True/False for prompts 3 and 5) from the next-token distribution, averaged over "
      "the five; embedding takes the cosine of the mean-pooled final hidden states of feedback and "
      "refinement. Each output record is the input record plus 'scores' (one per refinement), "
      "'prompt_scores' (instructrm: per prompt, per refinement), 'selected' (the letter) and "
      "'selected_refinement'; the file starts with an ilf.refinement_scores header.",
      "ilf score-refinements"};
  std::string items_path, out_path, selector_name = "instructrm";
  ModelFlags model_flags;
  AddModelFlags(app, &model_flags);
  app.add_option("--items", items_path, "JSONL of items with refinements")->required();
  app.add_option("--selector", selector_name, "instructrm or embedding")
      ->check(CLI::IsMember({"instructrm", "embedding"}))
      ->capture_default_str();
  app.add_option("--out", out_path, "JSONL to write (atomically)")->required();
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;

  const sum::Selector selector = *sum::ParseSelector(selector_name);
  std::unique_ptr<lm::Tokenizer> tokenizer = LoadTokenizer(model_flags);
  if (!tokenizer) {
    throw Error(model_flags.model_dir +
                ": no tokenizer files; pass --tokenizer DIR (the selectors read text)");
  }
  std::vector<JsonlRecord> records = ReadJsonl(items_path);
  std::vector<sum::SummaryItem> items;
  for (const JsonlRecord& record : records) items.push_back(sum::ParseSummaryItem(record));
  // An endpoint's answers are journaled beside the output: an interrupted run resumes.
  const std::string journal = JournalPath(model_flags, out_path + ".requests.jsonl");
  std::unique_ptr<lm::LanguageModel> model = LoadModel(model_flags, journal);

  std::vector<sum::Selection> selections;
  {
    Progress progress("score-refinements", sum::SelectionWork(selector, items));
    int64_t reported = 0;
    selections = sum::SelectRefinements(selector, *model, *tokenizer, items, [&](int64_t done) {
      progress.Advance(done - reported);
      reported = done;
    });
  }
  ArtifactHeader header{"ilf.refinement_scores", 1,
                        HashJson({{"model", model_flags.model_dir}, {"selector", selector_name}})};
  JsonlWriter writer(out_path, header);
  for (size_t i = 0; i < records.size(); ++i) {
    Json out = records[i].value;
    out.update(sum::SelectionFields(selections[i], items[i]));
    writer.Write(out);
  }
  writer.Commit();
  if (!journal.empty() && model_flags.load.remote.journal_path.empty())
    std::filesystem::remove(journal);
  LogInfo("scored the refinements of {} items with {} -> {}", items.size(), selector_name,
          out_path);
  return 0;
}

}  // namespace ilf
