// SummarizationAdapter on the fixture suite: the paper's prompts, ROUGE-L checks, feedback from the
// file and from a model, selection by InstructRM (equal to scoring the same items directly), the
// generic rules, and evaluation by ROUGE-L and a judge's win rate (equal to judge.h's direct
// computation). Model parts use the golden tiny Qwen2 (real vocabulary, random weights).
#include "runner/round/summarization_adapter.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "feedback/feedback.h"
#include "src/core/jsonl.h"
#include "src/lm/tokenizer.h"
#include "tasks/summarization/judge.h"
#include "tasks/summarization/prompts.h"
#include "tasks/summarization/rouge.h"
#include "tasks/summarization/select.h"
#include "tests/support/test_data.h"
#include "tests/tasks/summarization/model_fixture.h"

namespace ilf::round {
namespace {

namespace sum = tasks::summarization;
using testing::ErrorOf;
using testing::ScratchDir;

std::string Fixture() {
  return std::string(std::getenv("ILF_SOURCE_DIR")) +
         "/tasks/examples/summarization/slf5k-fixture.jsonl";
}

SummarizationAdapter MakeAdapter() {
  SummarizationAdapterOptions options;
  options.suite = Fixture();
  options.load.device = "cpu";
  options.load.dtype = "float32";
  return SummarizationAdapter(options);
}

// Writes Output records as the stages do (ilf.samples).
std::string WriteOutputs(const ScratchDir& dir, const std::string& name,
                         const std::vector<Output>& outputs) {
  std::string path = dir.path() + "/" + name;
  JsonlWriter writer(path, ArtifactHeader{"ilf.samples", 1, "test"});
  for (const Output& o : outputs) writer.Write(o.ToJson());
  writer.Commit();
  return path;
}

std::string WriteChecks(const ScratchDir& dir, const std::string& name,
                        const std::vector<Check>& checks) {
  std::string path = dir.path() + "/" + name;
  JsonlWriter writer(path, ArtifactHeader{"ilf.results", 1, "test"});
  for (const Check& c : checks) writer.Write(c.ToJson());
  writer.Commit();
  return path;
}

Output Refinement(const std::string& task, const std::string& feedback_id, int j,
                  const std::string& text, double logprob = 0) {
  return {task, feedback_id + "#" + std::to_string(j), text, logprob, "given", feedback_id};
}

TEST(SummarizationAdapter, SplitsAndPromptsAreThePapers) {
  SummarizationAdapter adapter = MakeAdapter();
  EXPECT_EQ(adapter.kind(), "summarization");
  EXPECT_EQ(adapter.TaskIds("train", 0).size(), 16u);
  EXPECT_EQ(adapter.TaskIds("test", 0).size(), 8u);
  std::vector<std::string> first = adapter.TaskIds("train", 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], "fx001");
  const sum::SummaryItem& item = adapter.ItemOf("fx001");
  EXPECT_EQ(adapter.InitialPrompt("fx001"), sum::InitialSummaryPrompt(item.title, item.post));
  EXPECT_EQ(adapter.RefinementPrompt("fx001", "old", "fb"),
            sum::RefinementPrompt(item.title, item.post, "old", "fb"));
  EXPECT_NE(ErrorOf([&] { adapter.InitialPrompt("nope"); }).find("nope"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { adapter.TaskIds("chen-train", 0); }).find("train"), std::string::npos);
}

// SLF5K as published: one file per split, records without a split field.
TEST(SummarizationAdapter, ADirectoryOfSplitFilesGivesEachItemItsFilesSplit) {
  ScratchDir dir;
  std::string train, test;
  for (const JsonlRecord& r : ReadJsonl(Fixture())) {
    Json v = r.value;
    std::string split = v["split"];
    v.erase("split");
    (split == "train" ? train : test) += v.dump() + "\n";
  }
  dir.Write("train.jsonl", train);
  dir.Write("test.jsonl", test);
  dir.Write("notes.txt", "not items");
  SummarizationAdapterOptions options;
  options.suite = dir.path();
  SummarizationAdapter adapter(options);
  EXPECT_EQ(adapter.TaskIds("train", 0), MakeAdapter().TaskIds("train", 0));
  EXPECT_EQ(adapter.TaskIds("test", 0), MakeAdapter().TaskIds("test", 0));
  // The same id in two files is refused naming both.
  dir.Write("validation.jsonl", test.substr(0, test.find('\n') + 1));
  std::string error = ErrorOf([&] { SummarizationAdapter again(options); });
  EXPECT_NE(error.find("validation.jsonl:1"), std::string::npos) << error;
  EXPECT_NE(error.find("test.jsonl:1"), std::string::npos) << error;
}

TEST(SummarizationAdapter, ASummaryEndsWithItsFirstLine) {
  SummarizationAdapter adapter = MakeAdapter();
  EXPECT_FALSE(adapter.OutputEnds(" My roommate eats"));
  EXPECT_FALSE(adapter.OutputEnds("\n\n My roommate"));  // leading newlines are not an end
  EXPECT_TRUE(adapter.OutputEnds(" My roommate eats my food.\nTL;DR"));
  EXPECT_EQ(adapter.PostProcess(" My roommate  eats my food. She\nmore"),
            "My roommate eats my food.");
  // The default rule (PostProcess would cut) would stop at once: the cut drops the space.
  EXPECT_LT(adapter.PostProcess(" My").size(), std::string(" My").size());
}

TEST(SummarizationAdapter, ChecksScoreROUGELAgainstTheReferenceAndNeverPass) {
  SummarizationAdapter adapter = MakeAdapter();
  const sum::SummaryItem& item = adapter.ItemOf("fx001");
  std::vector<Check> checks = adapter.CheckOutputs(
      {{"fx001", "0", item.reference, 0, "", ""}, {"fx001", "1", "my roommate eats", 0, "", ""}});
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_FALSE(checks[0].passed);
  EXPECT_EQ(checks[0].verdict, "SCORED");
  EXPECT_DOUBLE_EQ(checks[0].score, 1.0);
  EXPECT_DOUBLE_EQ(checks[1].score, sum::RougeL(item.reference, "my roommate eats", true).fmeasure);
  EXPECT_GT(checks[1].score, 0.0);
  EXPECT_LT(checks[1].score, 1.0);
  EXPECT_EQ(checks[1].ToJson()["rouge_l"]["fmeasure"], checks[1].score);
}

TEST(SummarizationAdapter, FileFeedbackIsTheItemsOwnOnItsGivenSummary) {
  SummarizationAdapter adapter = MakeAdapter();
  ScratchDir dir;
  std::vector<Output> samples = {{"fx002", "0", "a", 0, "", ""}, {"fx001", "0", "b", 0, "", ""}};
  FeedbackRequest request;
  request.samples_path = WriteOutputs(dir, "samples.jsonl", samples);
  request.checks_path = WriteChecks(dir, "results.jsonl", adapter.CheckOutputs(samples));
  request.out_path = dir.path() + "/feedback.jsonl";
  request.source = "file";
  std::vector<FeedbackItem> items = adapter.WriteFeedback(request);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].task_id, "fx001");
  EXPECT_EQ(items[0].sample_id, "given");
  EXPECT_EQ(items[0].program, adapter.ItemOf("fx001").initial_summary);
  EXPECT_EQ(items[0].feedback, adapter.ItemOf("fx001").feedback);
  EXPECT_EQ(items[1].feedback, adapter.ItemOf("fx002").feedback);
  std::vector<feedback::FeedbackRecord> records = feedback::ReadFeedback(request.out_path);
  EXPECT_EQ(records[0].source, "human");
  request.source = "human:x.jsonl";
  EXPECT_NE(ErrorOf([&] { adapter.WriteFeedback(request); }).find("file, model:DIR"),
            std::string::npos);
}

TEST(SummarizationAdapter, GenericRulesPickANonEmptyRefinementAndTheTargetFollowsTLDR) {
  SummarizationAdapter adapter = MakeAdapter();
  SelectRequest request;
  request.rule = "shortest";
  request.feedback = {{"f1", "fx001", "given", "old", "say more"}};
  std::vector<Output> refinements = {Refinement("fx001", "f1", 0, "A longer summary here."),
                                     Refinement("fx001", "f1", 1, ""),
                                     Refinement("fx001", "f1", 2, "Short one.")};
  std::vector<Selection> s =
      adapter.Select(refinements, adapter.CheckOutputs(refinements), request);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].sample_id, "f1#2");
  EXPECT_EQ(s[0].prompt, adapter.InitialPrompt("fx001"));
  EXPECT_EQ(s[0].target, " Short one.");

  request.rule = "longest";
  EXPECT_NE(ErrorOf([&] {
              adapter.Select(refinements, adapter.CheckOutputs(refinements), request);
            }).find("instructrm"),
            std::string::npos);
  request.rule = "shortest";
  request.feedback.clear();
  EXPECT_NE(ErrorOf([&] {
              adapter.Select(refinements, adapter.CheckOutputs(refinements), request);
            }).find("f1"),
            std::string::npos);
}

// The tiny golden model (and its tokenizer) for the parts that ask one, as the selectors' tests
// load it.
class SummarizationAdapterModel : public tasks::summarization::SummarizationModelTest {
 protected:
  ModelLoader Loader() {
    return [this] {
      ++loads_;
      return ModelRef{model_.get(), tokenizer_.get()};
    };
  }

  int loads_ = 0;
};

// Two feedback items of fx001 and one of fx002: per item InstructRM's argmax, per task the item
// whose chosen refinement scored highest; the scores equal scoring the same items directly.
TEST_F(SummarizationAdapterModel, InstructRmSelectsTheEnsembleArgmaxPerTask) {
  SummarizationAdapter adapter = MakeAdapter();
  const sum::SummaryItem& a = adapter.ItemOf("fx001");
  const sum::SummaryItem& b = adapter.ItemOf("fx002");
  SelectRequest request;
  request.rule = "instructrm";
  request.scorer = Loader();
  request.feedback = {{"f1", "fx001", "given", a.initial_summary, a.feedback},
                      {"f2", "fx001", "3", "Roommate food.", "Name the coworker."},
                      {"f3", "fx002", "given", b.initial_summary, b.feedback}};
  std::vector<Output> refinements = {
      Refinement("fx001", "f1", 0, a.reference),       Refinement("fx001", "f1", 1, a.title),
      Refinement("fx001", "f2", 0, a.initial_summary), Refinement("fx001", "f2", 1, a.reference),
      Refinement("fx002", "f3", 0, b.title),           Refinement("fx002", "f3", 1, b.reference)};
  std::vector<Selection> s =
      adapter.Select(refinements, adapter.CheckOutputs(refinements), request);
  EXPECT_EQ(loads_, 1);

  // The same items scored directly.
  std::vector<sum::SummaryItem> items;
  for (const auto& [fb, task, program, feedback, texts] :
       std::vector<std::tuple<std::string, std::string, std::string, std::string,
                              std::vector<std::string>>>{
           {"f1", "fx001", a.initial_summary, a.feedback, {a.reference, a.title}},
           {"f2",
            "fx001",
            "Roommate food.",
            "Name the coworker.",
            {a.initial_summary, a.reference}},
           {"f3", "fx002", b.initial_summary, b.feedback, {b.title, b.reference}}}) {
    sum::SummaryItem item = adapter.ItemOf(task);
    item.initial_summary = program;
    item.feedback = feedback;
    item.refinements = texts;
    items.push_back(item);
  }
  std::vector<sum::Selection> direct =
      sum::SelectRefinements(sum::Selector::kInstructRm, *model_, *tokenizer_, items);
  auto best = [&](size_t i) { return direct[i].scores[direct[i].selected]; };
  std::string expected_fx001 = best(1) > best(0) ? "f2#" + std::to_string(direct[1].selected)
                                                 : "f1#" + std::to_string(direct[0].selected);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].task_id, "fx001");
  EXPECT_EQ(s[0].sample_id, expected_fx001);
  EXPECT_EQ(s[1].sample_id, "f3#" + std::to_string(direct[2].selected));
  EXPECT_EQ(s[1].target, " " + items[2].refinements[direct[2].selected]);
}

TEST_F(SummarizationAdapterModel, EvaluationIsMeanROUGELAndTheJudgesWinRateInBothOrders) {
  SummarizationAdapter adapter = MakeAdapter();
  std::vector<Output> samples;
  std::vector<sum::SummaryItem> items;
  std::vector<std::string> candidates;
  for (const std::string& id : adapter.TaskIds("test", 3)) {
    const sum::SummaryItem& item = adapter.ItemOf(id);
    for (const std::string& text : {item.reference, item.title}) {
      samples.push_back({id, std::to_string(samples.size()), text, 0, "", ""});
      items.push_back(item);
      candidates.push_back(text);
    }
  }
  std::vector<Check> checks = adapter.CheckOutputs(samples);
  EvalRequest request;
  request.judge = Loader();
  Json m = adapter.Evaluate(samples, checks, request);
  double rouge = 0;
  for (size_t i = 0; i < samples.size(); ++i)
    rouge += sum::RougeL(items[i].reference, candidates[i], true).fmeasure;
  EXPECT_NEAR(m["rouge_l"].get<double>(), rouge / samples.size(), 1e-12);
  std::vector<double> preferences;
  for (const sum::Preference& p : sum::JudgePreferences(*model_, *tokenizer_, items, candidates))
    preferences.push_back(p.preference);
  sum::WinRate rate = sum::AggregateWinRate(preferences);
  EXPECT_NEAR(m["win_rate"].get<double>(), rate.win_rate, 1e-12);
  EXPECT_NEAR(m["mean_preference"].get<double>(), rate.mean_preference, 1e-12);
  EXPECT_EQ(m["headline"], Json({"rouge_l", "win_rate"}));
  EXPECT_EQ(m["tasks"], 3);
  EXPECT_EQ(m["samples"], 6);

  EvalRequest no_judge;
  Json without = adapter.Evaluate(samples, checks, no_judge);
  EXPECT_TRUE(without["win_rate"].is_null());
  EXPECT_EQ(without["rouge_l"], m["rouge_l"]);
}

TEST_F(SummarizationAdapterModel, ModelFeedbackAsksTheFeedbackPromptAndRecordsEmptySummaries) {
  SummarizationAdapterOptions options;
  options.suite = Fixture();
  options.tokenizer = testing::FindData("tokenizers/qwen2.5-coder-0.5b-instruct");
  options.load.device = "cpu";
  options.load.dtype = "float32";
  options.feedback_max_new_tokens = 8;
  SummarizationAdapter adapter(options);
  ScratchDir dir;
  std::vector<Output> samples = {{"fx001", "0", "My roommate eats my food.", 0, "", ""},
                                 {"fx001", "1", "", 0, "", ""},
                                 {"fx002", "0", "I got a raise.", 0, "", ""}};
  FeedbackRequest request;
  request.samples_path = WriteOutputs(dir, "samples.jsonl", samples);
  request.checks_path = WriteChecks(dir, "results.jsonl", adapter.CheckOutputs(samples));
  request.out_path = dir.path() + "/feedback.jsonl";
  request.source = "model:" + model_dir_;
  request.per_task = 2;
  adapter.WriteFeedback(request);
  std::vector<feedback::FeedbackRecord> records = feedback::ReadFeedback(request.out_path);
  ASSERT_EQ(records.size(), 3u);  // every summary chosen (2 per task), one record each
  for (const feedback::FeedbackRecord& r : records) {
    EXPECT_EQ(r.source, "model");
    EXPECT_EQ(r.annotator, model_dir_);
    if (r.program.empty()) {
      EXPECT_NE(r.error.find("empty"), std::string::npos);
    } else {
      EXPECT_TRUE(r.provenance.contains("prompt_hash")) << r.provenance.dump();
    }
  }
}

}  // namespace
}  // namespace ilf::round
