// `ilf refine` on a tiny random checkpoint (meaningless text, real plumbing): the records keep
// their lineage and `ilf eval` scores the file as it is; the same seed gives the same refinements at
// any batch size; bad input exits 2 naming file:line and leaves an existing --out file intact.
#include <gtest/gtest.h>

#include <set>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

const char* kHeader = R"({"ilf_header": {"schema": "ilf.feedback", "version": 1}})";

// Two usable items (MBPP tasks 11 and 12) and one a source could not serve.
const char* kFeedback[] = {
    R"({"feedback_id": "f-11", "task_id": "11", "sample_id": "3", "program": "def remove_Occ(s,ch):\n    return s", "feedback": "It returns s unchanged: remove the first and the last occurrence of ch.", "source": "human", "annotator": "t"})",
    R"({"feedback_id": "f-12", "task_id": "12", "sample_id": "0", "program": "def sort_matrix(M):\n    return M", "feedback": "Sort the rows by their sums: sorted(M, key=sum).", "source": "human", "annotator": "t"})",
    R"({"feedback_id": "f-12b", "task_id": "12", "sample_id": "1", "program": "def sort_matrix(M):\n    pass", "feedback": "", "source": "model", "annotator": "m", "error": "the model wrote nothing"})",
};

std::string FeedbackFile(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

class RefineCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::FindData("mbpp/mbpp.jsonl").empty()) return;
    dir_ = new ScratchDir();
    model_ = testing::MakeTinyGpt2(*dir_, "model");
    feedback_ = dir_->Write("feedback.jsonl",
                            FeedbackFile({kHeader, kFeedback[0], kFeedback[1], kFeedback[2]}));
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    if (dir_ == nullptr || model_.empty()) {
      GTEST_SKIP() << "reference data (mbpp, tokenizers/gpt2) not found under ILF_DATA_DIR; set "
                      "ILF_DATA_DIR to run this test";
    }
  }

  static testing::CommandResult Refine(const std::string& feedback, const std::string& out,
                                       const std::string& extra = "", int n = 3) {
    return RunCommand(testing::IlfBinary() + " refine --model " + model_ +
                      " --suite mbpp --feedback " + feedback + " --n " + std::to_string(n) +
                      " --max-new-tokens 24 --out " + out + " " + extra + " 2>&1");
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline std::string model_;
  static inline std::string feedback_;
};

TEST_F(RefineCli, RecordsKeepTheirLineageAndEvalScoresTheFileAsItIs) {
  ScratchDir work;
  std::string out = work.path() + "/refinements.jsonl";
  auto r = Refine(feedback_, out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<JsonlRecord> records = ReadArtifact(out, "ilf.samples", 1, true);
  ASSERT_EQ(records.size(), 6u) << "3 refinements of each usable item, none of the error item";
  std::set<std::string> ids;
  for (size_t i = 0; i < records.size(); ++i) {
    const JsonlRecord& rec = records[i];
    std::string feedback_id = i < 3 ? "f-11" : "f-12";
    EXPECT_EQ(rec.String("task_id"), i < 3 ? "11" : "12") << rec.value.dump();
    EXPECT_EQ(rec.String("feedback_id"), feedback_id) << rec.value.dump();
    EXPECT_EQ(rec.String("parent_sample_id"), i < 3 ? "3" : "0") << rec.value.dump();
    EXPECT_EQ(rec.String("sample_id"), feedback_id + "#" + std::to_string(i % 3));
    EXPECT_TRUE(rec.value["completion"].is_string()) << rec.value.dump();
    ids.insert(rec.String("sample_id"));
  }
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_NE(r.output.find("1 items without feedback skipped"), std::string::npos) << r.output;

  auto e = RunCommand(testing::IlfBinary() + " eval --suite mbpp --samples " + out +
                      " --k 1 --out " + work.path() + "/eval 2>&1");
  ASSERT_EQ(e.exit_code, 0) << e.output;
  Json summary = Json::parse(ReadFile(work.path() + "/eval/summary.json"));
  EXPECT_EQ(summary["samples"], 6) << summary.dump(2);
  std::vector<JsonlRecord> results =
      ReadArtifact(work.path() + "/eval/results.jsonl", "ilf.results", 1);
  ASSERT_EQ(results.size(), 6u);
  for (size_t i = 0; i < results.size(); ++i)
    EXPECT_EQ(results[i].String("sample_id"), records[i].String("sample_id"));
}

TEST_F(RefineCli, TheSameSeedGivesTheSameRefinementsAtAnyBatchSize) {
  ScratchDir work;
  auto one = Refine(feedback_, work.path() + "/one.jsonl", "--seed 5 --batch-rows 1");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto all = Refine(feedback_, work.path() + "/all.jsonl", "--seed 5 --batch-rows 64");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  std::vector<JsonlRecord> a = ReadArtifact(work.path() + "/one.jsonl", "ilf.samples", 1, true);
  std::vector<JsonlRecord> b = ReadArtifact(work.path() + "/all.jsonl", "ilf.samples", 1, true);
  ASSERT_EQ(a.size(), b.size());
  std::set<std::string> distinct;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].String("sample_id"), b[i].String("sample_id"));
    EXPECT_EQ(a[i].String("completion"), b[i].String("completion")) << "record " << i;
    EXPECT_NEAR(a[i].Number("logprob"), b[i].Number("logprob"), 1e-3) << "record " << i;
    distinct.insert(a[i].String("completion"));
  }
  EXPECT_GT(distinct.size(), 1u) << "samples at temperature 0.8 should differ";
  auto other = Refine(feedback_, work.path() + "/other.jsonl", "--seed 6");
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(ReadFile(work.path() + "/other.jsonl"), ReadFile(work.path() + "/one.jsonl"));
}

TEST_F(RefineCli, BadInputExits2NamingFileAndLineAndKeepsAnExistingOutput) {
  ScratchDir work;
  std::string out = work.Write("out.jsonl", "earlier refinements\n");
  struct Case {
    const char* what;
    std::vector<std::string> lines;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"unknown task id",
       {kHeader, kFeedback[0],
        R"({"feedback_id": "x", "task_id": "99999", "sample_id": "0", "program": "p", "feedback": "f", "source": "human"})"},
       "bad.jsonl:3: task_id '99999' is not a task of suite 'mbpp'"},
      {"a feedback file of another suite",
       {kHeader,
        R"({"feedback_id": "x", "task_id": "HumanEval/0", "sample_id": "0", "program": "p", "feedback": "f", "source": "human"})"},
       "bad.jsonl:2: task_id 'HumanEval/0' is not a task of suite 'mbpp' (a feedback file of "
       "another suite?)"},
      {"a broken line", {kHeader, kFeedback[0], R"({"feedback_id": "x", "task_)"}, "bad.jsonl:3"},
      {"an empty feedback",
       {kHeader,
        R"({"feedback_id": "x", "task_id": "11", "sample_id": "0", "program": "p", "feedback": " ", "source": "human"})"},
       "bad.jsonl:2: field 'feedback' is empty"},
      {"no usable feedback", {kHeader, kFeedback[2]}, "no feedback to refine (1 records"},
      {"no records at all", {kHeader}, "bad.jsonl: no feedback to refine (0 records)"},
      {"a results file", {R"({"ilf_header": {"schema": "ilf.results", "version": 1}})"},
       "bad.jsonl:1: this is a 'ilf.results' file"},
  };
  for (const Case& c : cases) {
    std::string bad = work.Write("bad.jsonl", FeedbackFile(c.lines));
    auto r = Refine(bad, out);
    EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << c.what << ": " << r.output;
    EXPECT_EQ(ReadFile(out), "earlier refinements\n") << c.what;
  }
}

}  // namespace
}  // namespace ilf
