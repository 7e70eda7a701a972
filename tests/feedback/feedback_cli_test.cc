// `ilf feedback` and `ilf pairs` end to end: the paper's annotations in, records and pairs out;
// execution feedback on `ilf eval`'s results; bad input exits 2 naming file:line and leaves what
// was written before untouched.
#include <gtest/gtest.h>

#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

testing::CommandResult Ilf(const std::string& args) {
  return RunCommand(testing::IlfBinary() + " " + args + " 2>&1");
}

const char kSurge[] = "ilf-code/surge_annotations.jsonl";

TEST(PairsCliTest, BothKindsFromThePapersAnnotations) {
  ILF_DATA_OR_SKIP(surge, kSurge);
  ScratchDir dir;
  for (const char* kind : {"refine", "policy"}) {
    std::string out = dir.path() + "/" + kind + ".jsonl";
    auto r = Ilf(std::string("pairs --from human:") + surge + " --kind " + kind +
                 " --suite mbpp --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::vector<JsonlRecord> pairs = ReadArtifact(out, "ilf.pairs", 1, /*header_required=*/true);
    ASSERT_EQ(pairs.size(), 195u);
    for (const JsonlRecord& p : pairs) {
      EXPECT_FALSE(p.String("target").empty());
      EXPECT_EQ(p.String("prompt").rfind("OLD CODE:\n", 0) == 0, std::string(kind) == "refine");
    }
  }
  // A split selects: MBPP_Refine (111-310) holds 44 annotated tasks, π_Refine's training data.
  auto r = Ilf(std::string("pairs --from human:") + surge +
               " --kind refine --suite mbpp:chen-refine --out " + dir.path() + "/r.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadArtifact(dir.path() + "/r.jsonl", "ilf.pairs", 1).size(), 44u);
}

TEST(PairsCliTest, BadInputExits2NamingFileLineAndKeepsTheOldOutput) {
  ScratchDir dir;
  std::string out = dir.Write("pairs.jsonl", "previous\n");
  std::string good =
      R"({"task_id": 11, "prompt": "p", "Feedback": "f", "original_model_completion": "p x", )"
      R"("unedited_annotator_completion": "p y", "worker_id": null})";
  struct {
    std::string file;
    std::string expected;
  } cases[] = {
      {good + "\n{broken\n", "in.jsonl:2: not valid JSON"},
      {good + "\n" +
           R"({"task_id": 9999, "prompt": "p", "Feedback": "f", "original_model_completion": "p", )"
           R"("unedited_annotator_completion": "q", "worker_id": null})" +
           "\n",
       "in.jsonl:2: task_id '9999' is not a task of suite 'mbpp'"},
      {R"({"task_id": 11, "prompt": "p", "Feedback": "", "original_model_completion": "p x", )"
       R"("unedited_annotator_completion": "p y", "worker_id": null})"
       "\n",
       "in.jsonl:1: field 'Feedback' is empty"},
  };
  if (testing::FindData("mbpp/mbpp.jsonl").empty()) GTEST_SKIP() << "mbpp data not found";
  for (const auto& c : cases) {
    std::string in = dir.Write("in.jsonl", c.file);
    auto r = Ilf("pairs --from human:" + in + " --kind policy --suite mbpp --out " + out);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
    EXPECT_EQ(ReadFile(out), "previous\n");
  }
}

TEST(FeedbackCliTest, HumanFileRecordsPerSplit) {
  ILF_DATA_OR_SKIP(surge, kSurge);
  ScratchDir dir;
  std::string out = dir.path() + "/f.jsonl";
  auto r = Ilf(std::string("feedback --source human:") + surge +
               " --suite mbpp:chen-refine --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<JsonlRecord> records = ReadArtifact(out, "ilf.feedback", 1, true);
  EXPECT_EQ(records.size(), 44u);
  for (const JsonlRecord& rec : records) {
    EXPECT_EQ(rec.String("source"), "human");
    int64_t id = std::stoll(rec.String("task_id"));
    EXPECT_TRUE(id >= 111 && id <= 310) << id;
  }
}

class FeedbackResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FindData("mbpp/mbpp.jsonl").empty()) GTEST_SKIP() << "mbpp data not found";
    // Task 11 (remove first and last occurrence of a char): three wrong samples and no right one.
    // Task 12: one wrong, one right, so it gets no feedback.
    std::string samples =
        R"({"task_id": 11, "sample_id": "a", "solution": "def remove_Occ(s, ch):\n    return s\n"})"
        "\n"
        R"({"task_id": 11, "sample_id": "b", "solution": "def remove_Occ(s, ch):\n    return s.replace(ch, '')\n"})"
        "\n"
        R"({"task_id": 11, "sample_id": "c", "solution": "def remove_Occ(s, ch):\n    return 1 / 0\n"})"
        "\n"
        R"({"task_id": 12, "sample_id": "a", "solution": "def sort_matrix(M):\n    return M\n"})"
        "\n"
        R"({"task_id": 12, "sample_id": "b", "solution": "def sort_matrix(M):\n    return sorted(M, key=sum)\n"})"
        "\n";
    std::string path = dir_.Write("samples.jsonl", samples);
    auto r = Ilf("eval --suite mbpp:chen-test --samples " + path + " --k 1 --workers 2 --out " +
                 dir_.path() + "/eval");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    results_ = dir_.path() + "/eval/results.jsonl";
  }
  ScratchDir dir_;
  std::string results_;
};

TEST_F(FeedbackResultsTest, ExecutionFeedbackOnChosenIncorrectPrograms) {
  std::string out = dir_.path() + "/f.jsonl";
  auto r = Ilf("feedback --source execution --suite mbpp:chen-test --results " + results_ +
               " --per-task 2 --seed 3 --workers 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<JsonlRecord> records = ReadArtifact(out, "ilf.feedback", 1, true);
  ASSERT_EQ(records.size(), 2u);  // task 11 only, 2 of its 3 programs
  for (const JsonlRecord& rec : records) {
    EXPECT_EQ(rec.String("task_id"), "11");
    EXPECT_EQ(rec.String("source"), "execution");
    EXPECT_NE(rec.String("feedback").find("remove_Occ("), std::string::npos) << rec.value.dump();
  }
  // The same seed chooses the same programs; the records are identical.
  std::string again = dir_.path() + "/g.jsonl";
  ASSERT_EQ(Ilf("feedback --source execution --suite mbpp:chen-test --results " + results_ +
                " --per-task 2 --seed 3 --workers 2 --out " + again)
                .exit_code,
            0);
  EXPECT_EQ(ReadFile(out), ReadFile(again));
}

TEST_F(FeedbackResultsTest, BadInputExits2NamingFileLineAndKeepsTheOldOutput) {
  std::string out = dir_.Write("f.jsonl", "previous\n");
  // Results of another suite: HumanEval has no task 11's program... its ids are HumanEval/N.
  std::string text = ReadFile(results_);
  std::string other =
      dir_.Write("other.jsonl",
                 text.substr(0, text.find('\n') + 1) +
                     R"({"task_id": "nope/1", "sample_id": "a", "verdict": "FAIL", "program": "x"})"
                     "\n");
  auto r = Ilf("feedback --source execution --suite mbpp --results " + other + " --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("other.jsonl:2: task_id 'nope/1' is not a task of suite 'mbpp'"),
            std::string::npos)
      << r.output;
  std::string broken = dir_.Write("broken.jsonl", text + "{\"task_id\": \n");
  r = Ilf("feedback --source execution --suite mbpp --results " + broken + " --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("broken.jsonl:7: not valid JSON"), std::string::npos) << r.output;
  r = Ilf("feedback --source execution --suite mbpp --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--results: required"), std::string::npos) << r.output;
  r = Ilf("feedback --source oracle --suite mbpp --results " + results_ + " --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(ReadFile(out), "previous\n");
}

}  // namespace
}  // namespace ilf
