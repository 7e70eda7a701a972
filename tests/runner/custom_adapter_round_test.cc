// The stages of a round never branch on the task kind: a third task kind, defined only in this
// file ("uppercase": write a word in capitals), runs a whole round through RunRounds with a tiny
// model, its own prompts, checks, feedback file format, selection and metric.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "runner/round/config.h"
#include "runner/round/round.h"
#include "runner/round/round_table.h"
#include "src/core/jsonl.h"
#include "tests/support/round_runs.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf::round {
namespace {

using testing::ScratchDir;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class UppercaseAdapter : public TaskAdapter {
 public:
  explicit UppercaseAdapter(std::set<std::string>* calls) : calls_(calls) {}

  std::string kind() const override { return "uppercase"; }
  std::vector<std::string> TaskIds(const std::string& split, int64_t limit) const override {
    calls_->insert("TaskIds");
    EXPECT_TRUE(split == "words" || split == "held-out") << split;
    std::vector<std::string> ids = split == "words" ? std::vector<std::string>{"cat", "dog", "sun"}
                                                    : std::vector<std::string>{"sky", "sea"};
    if (limit > 0 && static_cast<size_t>(limit) < ids.size()) ids.resize(limit);
    return ids;
  }
  std::string InitialPrompt(const std::string& task_id) const override {
    calls_->insert("InitialPrompt");
    return "Write the word in capitals.\nWord: " + task_id + "\nCapitals:";
  }
  std::string RefinementPrompt(const std::string& task_id, const std::string& old_output,
                               const std::string& feedback) const override {
    calls_->insert("RefinementPrompt");
    return InitialPrompt(task_id) + " " + old_output + "\nFeedback: " + feedback + "\nCapitals:";
  }
  std::string PostProcess(const std::string& text) const override {
    std::string line = text.substr(0, text.find('\n'));
    size_t begin = line.find_first_not_of(' ');
    return begin == std::string::npos ? "" : line.substr(begin);
  }
  bool OutputEnds(const std::string& text) const override {
    calls_->insert("OutputEnds");
    return text.find('\n') != std::string::npos;
  }
  std::vector<Check> CheckOutputs(const std::vector<Output>& outputs) override {
    calls_->insert("CheckOutputs");
    std::vector<Check> checks;
    for (const Output& o : outputs) {
      Check c;
      c.task_id = o.task_id;
      c.sample_id = o.sample_id;
      c.passed = o.completion == Upper(o.task_id);
      c.verdict = c.passed ? "EXACT" : "WRONG";
      size_t same = 0;
      for (size_t i = 0; i < std::min(o.completion.size(), o.task_id.size()); ++i)
        same += o.completion[i] == Upper(o.task_id)[i];
      c.score = static_cast<double>(same) / o.task_id.size();
      checks.push_back(c);
    }
    return checks;
  }
  // Feedback in a format of its own (toy.feedback): one note per task without an exact output.
  std::vector<FeedbackItem> WriteFeedback(const FeedbackRequest& request) override {
    calls_->insert("WriteFeedback");
    std::map<std::string, std::string> first_wrong;
    std::set<std::string> exact;
    for (const JsonlRecord& r : ReadArtifact(request.checks_path, "ilf.results", 1)) {
      Check c = Check::FromRecord(r);
      if (c.passed) exact.insert(c.task_id);
      first_wrong.emplace(c.task_id, c.sample_id);
    }
    std::map<std::string, std::string> text;  // (task, sample) -> completion
    for (const JsonlRecord& r : ReadArtifact(request.samples_path, "ilf.samples", 1)) {
      Output o = Output::FromRecord(r);
      text[o.task_id + "/" + o.sample_id] = o.completion;
    }
    JsonlWriter writer(request.out_path, ArtifactHeader{"toy.feedback", 1, request.config_hash});
    for (const auto& [task, sample] : first_wrong) {
      if (exact.count(task)) continue;
      writer.Write({{"id", "note-" + task},
                    {"task", task},
                    {"sample", sample},
                    {"old", text.at(task + "/" + sample)},
                    {"note", "Write exactly " + Upper(task) + "."}});
    }
    writer.Commit();
    return ReadFeedback(request.out_path);
  }
  std::vector<FeedbackItem> ReadFeedback(const std::string& path) const override {
    calls_->insert("ReadFeedback");
    std::vector<FeedbackItem> items;
    for (const JsonlRecord& r : ReadArtifact(path, "toy.feedback", 1)) {
      items.push_back({r.String("id"), r.String("task"), r.String("sample"), r.String("old"),
                       r.String("note")});
    }
    return items;
  }
  // Per task the refinement closest to the answer (the first on ties).
  std::vector<Selection> Select(const std::vector<Output>& refinements,
                                const std::vector<Check>& checks,
                                const SelectRequest& request) override {
    calls_->insert("Select");
    EXPECT_FALSE(request.feedback.empty());  // the stage hands the feedback items over
    std::map<std::string, size_t> best;
    std::vector<std::string> order;
    for (size_t i = 0; i < refinements.size(); ++i) {
      auto it = best.find(refinements[i].task_id);
      if (it == best.end()) {
        order.push_back(refinements[i].task_id);
        best[refinements[i].task_id] = i;
      } else if (checks[i].score > checks[it->second].score) {
        it->second = i;
      }
    }
    std::vector<Selection> out;
    for (const std::string& task : order) {
      const Output& r = refinements[best[task]];
      out.push_back({task, r.sample_id, InitialPrompt(task), " " + r.completion});
    }
    return out;
  }
  Json Evaluate(const std::vector<Output>& samples, const std::vector<Check>& checks,
                const EvalRequest&) override {
    calls_->insert("Evaluate");
    double exact = 0;
    for (const Check& c : checks) exact += c.passed;
    return {{"exact", samples.empty() ? 0.0 : exact / samples.size()},
            {"samples", samples.size()},
            {"headline", {"exact"}}};
  }

 private:
  std::set<std::string>* calls_;
};

TEST(CustomAdapterRound, AThirdTaskKindRunsARoundThroughTheSameStages) {
  ScratchDir dir;
  std::string model = testing::MakeTinyGpt2(dir, "model", testing::TinyGpt2Options::WithSeed(1));
  if (model.empty()) GTEST_SKIP() << "tokenizers/gpt2 not found under ILF_DATA_DIR";

  RoundOptions options;
  options.config = ParseRoundConfig(
      {{"task", "uppercase"},
       {"train_split", "words"},
       {"eval_split", "held-out"},
       {"policy_model", model},
       {"device", "cpu"},
       {"samples_per_task", 2},
       {"refinements_per_item", 2},
       {"eval_samples_per_task", 1},
       {"sampling", {{"max_new_tokens", 6}}},
       {"finetune", {{"epochs", 1}, {"lr", 0.001}, {"batch_size", 4}, {"grad_accum", 1}}},
       {"seed", 2u}},
      "test");
  options.run_dir = dir.path() + "/run";
  std::set<std::string> calls;
  options.make_adapter = [&](const RoundConfig& config) {
    EXPECT_EQ(config.task, "uppercase");
    return std::make_unique<UppercaseAdapter>(&calls);
  };
  Json manifest = RunRounds(options);

  const Json& round = manifest["rounds"]["1"];
  for (const char* stage : {"sample", "execute", "feedback", "refine", "select", "finetune",
                            "eval_before", "eval_after"})
    EXPECT_EQ(round[stage]["status"], "done") << stage;
  EXPECT_EQ(round["sample"]["counts"]["samples"], 6);
  EXPECT_EQ(round["eval_before"]["counts"]["samples"], 2);
  EXPECT_TRUE(round["eval_after"]["counts"]["exact"].is_number());
  // Every hook of the adapter was asked; nothing of the code or summary kinds ran.
  for (const char* hook : {"TaskIds", "InitialPrompt", "RefinementPrompt", "OutputEnds",
                           "CheckOutputs", "WriteFeedback", "ReadFeedback", "Select", "Evaluate"})
    EXPECT_TRUE(calls.count(hook)) << hook;
  // Its own feedback format flowed from the feedback stage through refine to select.
  std::vector<JsonlRecord> notes =
      ReadArtifact(options.run_dir + "/round-1/feedback.jsonl", "toy.feedback", 1);
  size_t items = round["refine"]["counts"]["feedback_items"].get<size_t>();
  EXPECT_EQ(notes.size(), items);
  EXPECT_EQ(round["refine"]["counts"]["refinements"], 2 * items);
  std::vector<JsonlRecord> pairs =
      ReadArtifact(options.run_dir + "/round-1/pairs.jsonl", "ilf.pairs", 1);
  EXPECT_EQ(pairs.size(), items);
  for (const JsonlRecord& p : pairs) {
    EXPECT_EQ(p.value["prompt"].get<std::string>().rfind("Write the word in capitals.", 0), 0u);
  }
  std::string table = FormatRoundTable(manifest, 1);
  EXPECT_NE(table.find("exact before"), std::string::npos) << table;
}

}  // namespace
}  // namespace ilf::round
