// FeedbackRecord JSON round trip, its input checks, and the seeded choice of incorrect programs.
#include <gtest/gtest.h>

#include "feedback/feedback.h"
#include "feedback/run_feedback.h"
#include "src/core/error.h"
#include "tests/support/test_data.h"

namespace ilf::feedback {
namespace {

using ::ilf::testing::ErrorOf;
using ::ilf::testing::ScratchDir;

FeedbackRecord Sample() {
  FeedbackRecord record;
  record.feedback_id = "human-11-3";
  record.task_id = "11";
  record.sample_id = "3";
  record.program = "def f(x):\n    return x\n";
  record.feedback = "The function should return x + 1.";
  record.source = "human";
  record.annotator = "ann-7";
  record.provenance = {{"file", "a.jsonl"}, {"line", 4}};
  record.refinement = "def f(x):\n    return x + 1\n";
  return record;
}

TEST(FeedbackRecordTest, RoundTripsThroughAFile) {
  ScratchDir dir;
  std::vector<FeedbackRecord> records = {Sample(), Sample()};
  records[1].feedback_id = "model-11-4";
  records[1].source = "model";
  records[1].feedback = "";
  records[1].error = "the model's output was empty";
  records[1].refinement = "";
  WriteFeedback(dir.path() + "/f.jsonl", records, "abc");
  std::vector<FeedbackRecord> back = ReadFeedback(dir.path() + "/f.jsonl");
  ASSERT_EQ(back.size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(back[i].ToJson(), records[i].ToJson());
  EXPECT_FALSE(back[1].ok());
  EXPECT_EQ(back[1].error, "the model's output was empty");
}

TEST(FeedbackRecordTest, BadRecordsNameFileLineAndField) {
  ScratchDir dir;
  std::string header = R"({"ilf_header": {"schema": "ilf.feedback", "version": 1}})";
  Json good = Sample().ToJson();
  auto with = [&](const std::string& key, const Json& value) {
    Json copy = good;
    copy[key] = value;
    return copy.dump();
  };
  struct Case {
    std::string line;
    std::string expected;
  } cases[] = {
      {with("feedback", ""), "f.jsonl:3: field 'feedback' is empty"},
      {with("feedback", " \n"), "f.jsonl:3: field 'feedback' is empty"},
      {with("source", "oracle"), "f.jsonl:3: field 'source' is 'oracle'"},
      {with("sample_id", 4), "f.jsonl:3: field 'sample_id' must be a string"},
      {with("provenance", "x"), "f.jsonl:3: field 'provenance' must be an object"},
      {"{not json", "f.jsonl:3: not valid JSON"},
  };
  for (const Case& c : cases) {
    std::string path = dir.Write("f.jsonl", header + "\n" + good.dump() + "\n" + c.line + "\n");
    EXPECT_NE(ErrorOf([&] { ReadFeedback(path); }).find(c.expected), std::string::npos)
        << c.line << "\n  got: " << ErrorOf([&] { ReadFeedback(path); });
  }
  Json no_task = good;
  no_task.erase("task_id");
  std::string path = dir.Write("g.jsonl", header + "\n" + no_task.dump() + "\n");
  EXPECT_NE(ErrorOf([&] { ReadFeedback(path); }).find("g.jsonl:2: missing field 'task_id'"),
            std::string::npos);
  // Another artifact, or no header at all, is refused.
  path = dir.Write("h.jsonl", good.dump() + "\n");
  EXPECT_NE(ErrorOf([&] { ReadFeedback(path); }).find("no ilf_header"), std::string::npos);
  path = dir.Write("r.jsonl", R"({"ilf_header": {"schema": "ilf.results", "version": 1}})"
                              "\n");
  EXPECT_NE(ErrorOf([&] { ReadFeedback(path); }).find("expected 'ilf.feedback'"),
            std::string::npos);
}

TEST(SelectIncorrectTest, SkipsPassingTasksAndBoundsEachTask) {
  //                 task 1: passes   task 2: 3 wrong + sandbox error     task 3: 1 wrong
  std::vector<std::string> tasks = {"1", "1", "2", "2", "2", "2", "3"};
  std::vector<std::string> samples = {"0", "1", "0", "1", "2", "3", "0"};
  std::vector<std::string> verdicts = {"FAIL",          "PASS",          "FAIL",         "TIMEOUT",
                                       "SANDBOX_ERROR", "RUNTIME_ERROR", "COMPILE_ERROR"};
  size_t skipped = 0;
  std::vector<size_t> all = SelectIncorrect(tasks, samples, verdicts, 10, 0, &skipped);
  EXPECT_EQ(all, (std::vector<size_t>{2, 3, 5, 6}));
  EXPECT_EQ(skipped, 1u);
  std::vector<size_t> one = SelectIncorrect(tasks, samples, verdicts, 1, 0);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_TRUE(one[0] == 2 || one[0] == 3 || one[0] == 5);
  EXPECT_EQ(one[1], 6u);
  EXPECT_TRUE(SelectIncorrect(tasks, samples, verdicts, 0, 0).empty());
}

TEST(SelectIncorrectTest, SeededAndIndependentOfOtherTasksAndOrder) {
  std::vector<std::string> tasks, samples, verdicts;
  for (int i = 0; i < 30; ++i) {
    tasks.push_back("7");
    samples.push_back(std::to_string(i));
    verdicts.push_back("FAIL");
  }
  std::vector<size_t> a = SelectIncorrect(tasks, samples, verdicts, 3, 42);
  EXPECT_EQ(a, SelectIncorrect(tasks, samples, verdicts, 3, 42));
  // Different seeds choose differently (some seed among a few does).
  bool differs = false;
  for (uint64_t seed = 1; seed < 5; ++seed)
    differs |= SelectIncorrect(tasks, samples, verdicts, 3, seed) != a;
  EXPECT_TRUE(differs);
  // Another task in front and reversed order: the same samples of task 7 are chosen.
  std::vector<std::string> t2 = {"8"}, s2 = {"0"}, v2 = {"FAIL"};
  for (int i = 29; i >= 0; --i) {
    t2.push_back("7");
    s2.push_back(std::to_string(i));
    v2.push_back("FAIL");
  }
  std::vector<std::string> chosen_a, chosen_b;
  for (size_t i : a) chosen_a.push_back(samples[i]);
  for (size_t i : SelectIncorrect(t2, s2, v2, 3, 42)) {
    if (t2[i] == "7") chosen_b.push_back(s2[i]);
  }
  std::sort(chosen_a.begin(), chosen_a.end());
  std::sort(chosen_b.begin(), chosen_b.end());
  EXPECT_EQ(chosen_a, chosen_b);
}

// A results record's "tests" entries are outside input (read by `ilf feedback --source model:`
// and `ilf annotate`): a mistyped one is an error naming the file:line (before: nlohmann's
// type_error from value(), exit 1, no file).
TEST(TestFieldTest, MalformedTestEntriesNameTheRecord) {
  auto result = [](const std::string& tests) {
    return JsonlRecord{"r.jsonl", 4, Json::parse(R"({"task_id": "1", "tests": )" + tests + "}")};
  };
  JsonlRecord good =
      result(R"([{"status": "error", "exception_type": "ValueError", "message": null}])");
  EXPECT_EQ(TestField(good, 0, "status"), "error");
  EXPECT_EQ(TestField(good, 0, "exception_type"), "ValueError");
  EXPECT_EQ(TestField(good, 0, "message"), "");
  EXPECT_NE(ErrorOf([&] {
              TestField(result("[1]"), 0, "status");
            }).find("r.jsonl:4: 'tests[0]' must be an object, got 1"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] {
              TestField(result(R"([{}, {"status": 5}])"), 1, "status");
            }).find("r.jsonl:4: 'tests[1].status' must be a string, got 5"),
            std::string::npos);
}

}  // namespace
}  // namespace ilf::feedback
