#include "tasks/suite.h"

#include <gtest/gtest.h>

#include <thread>

#include "src/core/error.h"
#include "tests/support/corruption.h"
#include "tests/support/test_data.h"

namespace ilf::tasks {
namespace {

using testing::ErrorOf;

TEST(BuiltinSuites, MbppHasStandardAndIlfSplits) {
  ILF_DATA_OR_SKIP(file, "mbpp/mbpp.jsonl");
  Suite suite = LoadBuiltinSuite("mbpp");
  EXPECT_EQ(suite.tasks.size(), 974u);
  EXPECT_EQ(suite.TasksOf("prompt").size(), 10u);
  EXPECT_EQ(suite.TasksOf("test").size(), 500u);
  EXPECT_EQ(suite.TasksOf("validation").size(), 90u);
  EXPECT_EQ(suite.TasksOf("train").size(), 374u);
  EXPECT_EQ(suite.TasksOf("chen-test").size(), 100u);
  EXPECT_EQ(suite.TasksOf("chen-refine").size(), 200u);
  EXPECT_EQ(suite.TasksOf("chen-train").size(), 664u);
  const Task* task = suite.Find("11");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->EntryPoint(), "remove_Occ");
  EXPECT_EQ(task->tests.size(), 5u);  // 3 tests + 2 challenge tests
  EXPECT_EQ(suite.Find("Mbpp/11"), task);
  EXPECT_NE(ErrorOf([&] { suite.TasksOf("nope"); }).find("known: all, prompt, test"), std::string::npos);
}

TEST(BuiltinSuites, EveryMbppTaskHasAnEntryPoint) {
  ILF_DATA_OR_SKIP(file, "mbpp/mbpp.jsonl");
  for (const Task& task : LoadBuiltinSuite("mbpp").tasks) {
    EXPECT_FALSE(task.EntryPoint().empty()) << task.task_id;
  }
}

// Derived on first use, once, whichever thread asks first; a given entry point is used as is.
TEST(TaskEntryPoint, DerivedOnFirstUseFromTheReferenceAndFirstTest) {
  Task task;
  task.reference = "import math\ndef helper(x):\n    return x\ndef area(r):\n    return helper(r)\n";
  task.tests = {"assert area(2) == 2", "assert helper(1) == 1"};
  task.DeriveEntryPoint();
  std::vector<std::thread> threads;
  std::vector<std::string> seen(8);
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = task.EntryPoint(); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& name : seen) EXPECT_EQ(name, "area");
  Task copy = task;  // a copy keeps what was derived
  EXPECT_EQ(copy.EntryPoint(), "area");
  task.SetEntryPoint("helper");
  EXPECT_EQ(task.EntryPoint(), "helper");
  Task no_tests;
  no_tests.reference = "def f():\n    pass\n";
  no_tests.DeriveEntryPoint();
  EXPECT_EQ(no_tests.EntryPoint(), "");
}

TEST(BuiltinSuites, SanitizedHumanEvalAndEvalPlusCounts) {
  ILF_DATA_OR_SKIP(a, "mbpp/sanitized-mbpp.json");
  ILF_DATA_OR_SKIP(b, "humaneval/HumanEval.jsonl.gz");
  ILF_DATA_OR_SKIP(c, "evalplus/MbppPlus-OriginFmt.jsonl.gz");
  Suite sanitized = LoadBuiltinSuite("mbpp-sanitized");
  EXPECT_EQ(sanitized.tasks.size(), 427u);
  EXPECT_EQ(sanitized.TasksOf("test").size(), 257u);
  Suite humaneval = LoadBuiltinSuite("humaneval");
  EXPECT_EQ(humaneval.tasks.size(), 164u);
  EXPECT_EQ(humaneval.tasks[0].tests, std::vector<std::string>{"check(has_close_elements)"});
  Suite mbppplus = LoadBuiltinSuite("mbppplus");
  EXPECT_EQ(mbppplus.tasks.size(), 378u);
  EXPECT_LT(mbppplus.tasks[0].base_test_count, mbppplus.tasks[0].tests.size());
  EXPECT_NE(mbppplus.Find("2"), nullptr);
  Suite humanevalplus = LoadBuiltinSuite("humanevalplus");
  EXPECT_EQ(humanevalplus.tasks.size(), 164u);
  EXPECT_EQ(humanevalplus.tasks[0].tests.size(), 2u);
}

TEST(BuiltinSuites, UnknownNameListsTheKnownOnes) {
  EXPECT_NE(ErrorOf([] { LoadBuiltinSuite("mbpp2"); }).find("built-in: mbpp, mbpp-sanitized"), std::string::npos);
}

TEST(ManifestSuite, LoadsTasksSplitsAndLimits) {
  testing::ScratchDir dir;
  dir.Write("tasks.jsonl",
            "{\"task_id\": \"a1\", \"text\": \"add\", \"tests\": [\"assert add(1, 2) == 3\"], "
            "\"reference\": \"def add(a, b):\\n    return a + b\\n\", \"split\": \"dev\"}\n"
            "{\"task_id\": 7, \"text\": \"neg\", \"tests\": [\"assert neg(1) == -1\"]}\n");
  std::string manifest = dir.Write("suite.json",
                                   "{\"name\": \"toy\", \"file\": \"tasks.jsonl\", \"prompt_style\": \"text\", "
                                   "\"time_limit_ms\": 2500, \"splits\": {\"low\": {\"range\": [1, 9]}}}");
  auto selection = SelectSuite(manifest + ":dev");
  EXPECT_EQ(selection->suite.name, "toy");
  EXPECT_EQ(selection->suite.limits.wall_time_ms, 2500);
  ASSERT_EQ(selection->tasks.size(), 1u);
  EXPECT_EQ(selection->tasks[0]->EntryPoint(), "add");
  EXPECT_EQ(selection->suite.TasksOf("low").size(), 1u);
  EXPECT_EQ(selection->suite.TasksOf("low")[0]->task_id, "7");
  EXPECT_EQ(SelectSuite(manifest)->tasks.size(), 2u);
}

TEST(ManifestSuite, BadInputNamesFileAndLine) {
  testing::ScratchDir dir;
  dir.Write("bad.jsonl", "{\"task_id\": \"a\", \"text\": \"t\", \"tests\": [\"assert 1\"]}\n"
                         "{\"task_id\": \"b\", \"text\": \"t\"}\n");
  std::string manifest = dir.Write("m.json", "{\"name\": \"bad\", \"file\": \"bad.jsonl\"}");
  EXPECT_NE(ErrorOf([&] { SelectSuite(manifest); }).find("bad.jsonl:2: missing field 'tests'"), std::string::npos);
  dir.Write("dup.jsonl", "{\"task_id\": \"a\", \"text\": \"t\", \"tests\": [\"assert 1\"]}\n"
                         "{\"task_id\": \"a\", \"text\": \"t\", \"tests\": [\"assert 1\"]}\n");
  std::string dup = dir.Write("d.json", "{\"name\": \"d\", \"file\": \"dup.jsonl\"}");
  EXPECT_NE(ErrorOf([&] { SelectSuite(dup); }).find("dup.jsonl:2: duplicate task_id 'a'"), std::string::npos);
  std::string typo = dir.Write("t.json", "{\"name\": \"t\", \"file\": \"bad.jsonl\", \"time_limit\": 3}");
  EXPECT_NE(ErrorOf([&] { SelectSuite(typo); }).find("unknown manifest key 'time_limit'"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { SelectSuite(dir.path() + "/missing.json"); }).find("does not exist"), std::string::npos);
}

class ManifestErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("tasks.jsonl",
               "{\"task_id\": 3, \"text\": \"t\", \"tests\": [\"assert f(1) == 1\"], "
               "\"reference\": \"def f(x):\\n    return x\\n\"}\n"
               "{\"task_id\": 4, \"text\": \"t\", \"tests\": [\"assert f(2) == 2\"]}\n");
  }
  // The error of loading a manifest with these extra keys ("" when it loads).
  std::string Load(const std::string& extra) {
    std::string manifest =
        dir_.Write("m.json", "{\"name\": \"m\", \"file\": \"tasks.jsonl\"" + extra + "}");
    return ErrorOf([&] { SelectSuite(manifest); });
  }
  testing::ScratchDir dir_;
};

TEST_F(ManifestErrors, SplitsThatSelectNothingByMistakeAreErrors) {
  EXPECT_NE(Load(", \"splits\": {\"s\": {\"range\": [4, 1]}}").find("split 's': \"range\" [4,1] is empty"),
            std::string::npos);
  EXPECT_NE(Load(", \"splits\": {\"s\": {\"ids\": [3, \"9\"]}}").find("split 's' names task '9', which"),
            std::string::npos);
  EXPECT_NE(Load(", \"splits\": {\"s\": {\"ids\": \"3\"}}").find("\"ids\" must be a list"), std::string::npos);
}

TEST_F(ManifestErrors, SplitIdsMatchAsSampleIdsDo) {
  ASSERT_EQ(Load(", \"id_prefixes\": [\"Toy/\"], \"splits\": {\"a\": {\"ids\": [\"3\"]}, "
                 "\"b\": {\"ids\": [4]}, \"c\": {\"ids\": [\"Toy/4\"]}}"),
            "");
  auto selection = SelectSuite(dir_.path() + "/m.json:a");
  ASSERT_EQ(selection->tasks.size(), 1u);
  EXPECT_EQ(selection->tasks[0]->task_id, "3");
  EXPECT_EQ(SelectSuite(dir_.path() + "/m.json:b")->tasks.size(), 1u);
  EXPECT_EQ(SelectSuite(dir_.path() + "/m.json:c")->tasks[0]->task_id, "4");
}

TEST_F(ManifestErrors, WrongTypesNameTheFileAndKey) {
  EXPECT_NE(Load(", \"description\": 3").find("m.json: manifest key 'description' is 3, expected a string"),
            std::string::npos);
  EXPECT_NE(Load(", \"prompt_style\": 1").find("manifest key 'prompt_style' is 1"), std::string::npos);
  EXPECT_NE(Load(", \"splits\": []").find("manifest key 'splits' is []"), std::string::npos);
  EXPECT_NE(Load(", \"approximate_floats\": \"yes\"").find("'approximate_floats' is \"yes\""),
            std::string::npos);
  EXPECT_NE(Load(", \"id_prefixes\": [1]").find("'id_prefixes' is [1], expected a list of strings"),
            std::string::npos);
  EXPECT_EQ(Load(", \"description\": \"fine\", \"approximate_floats\": false"), "");
}

TEST_F(ManifestErrors, EntryPointTheReferenceDoesNotDefineIsAnError) {
  dir_.Write("tasks.jsonl",
             "{\"task_id\": 1, \"text\": \"t\", \"tests\": [\"assert g(1) == 1\"], "
             "\"entry_point\": \"g\", \"reference\": \"def f(x):\\n    return x\\n\"}\n");
  EXPECT_NE(Load("").find("tasks.jsonl:1: entry_point 'g' is not defined at the top level of the task's "
                          "reference"),
            std::string::npos);
}

TEST_F(ManifestErrors, ATestThatCanNeverFailIsWarnedAboutAtLoad) {
  dir_.Write("tasks.jsonl",
             "{\"task_id\": \"max\", \"text\": \"t\", \"tests\": [\"assert max3(1, 2, 3) == 3\", "
             "\"max3(1, 2, 3) == 4\", \"check(max3)\", \"for x in [1]: assert max3(x, x, x) == x\"]}\n");
  ::testing::internal::CaptureStderr();
  std::string error = Load("");
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(error, "");
  EXPECT_NE(log.find("tasks.jsonl:1: task 'max' test 2 compares without assert, so it can never fail"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("test 1 "), std::string::npos) << log;
  EXPECT_EQ(log.find("test 3 "), std::string::npos) << log;
  EXPECT_EQ(log.find("test 4 "), std::string::npos) << log;
}

TEST(ManifestSuite, LimitsOutOfRangeAreRefused) {
  testing::ScratchDir dir;
  dir.Write("t.jsonl", "{\"task_id\": \"a\", \"text\": \"t\", \"tests\": [\"assert 1\"]}\n");
  auto error_of = [&](const std::string& limit) {
    std::string manifest =
        dir.Write("m.json", "{\"name\": \"m\", \"file\": \"t.jsonl\", " + limit + "}");
    return ErrorOf([&] { SelectSuite(manifest); });
  };
  // -1 turned the memory limit off; 2^44 + 1 MiB wrapped to 1 MiB in bytes.
  for (const char* limit :
       {"\"memory_limit_mib\": -1", "\"memory_limit_mib\": 17592186044417",
        "\"memory_limit_mib\": 0", "\"memory_limit_mib\": 1.5", "\"memory_limit_mib\": \"64\"",
        "\"time_limit_ms\": -5", "\"time_limit_ms\": 18446744073709551615"}) {
    std::string message = error_of(limit);
    EXPECT_NE(message.find("m.json: manifest '"), std::string::npos) << limit << ": " << message;
    EXPECT_NE(message.find("expected an integer from 1 to"), std::string::npos)
        << limit << ": " << message;
  }
  EXPECT_EQ(error_of("\"memory_limit_mib\": 512, \"time_limit_ms\": 100"), "");
}

TEST(ManifestSuite, DeeplyNestedManifestIsRefused) {
  testing::ScratchDir dir;
  std::string manifest =
      dir.Write("m.json", "{\"name\": \"m\", \"description\": " + std::string(100000, '[') +
                              std::string(100000, ']') + "}");
  EXPECT_NE(ErrorOf([&] { SelectSuite(manifest); }).find("m.json: JSON nested deeper than"),
            std::string::npos);
}

TEST(ManifestSuite, ExampleManifestLoads) {
  const char* source = std::getenv("ILF_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  auto selection = SelectSuite(std::string(source) + "/tasks/examples/toy-suite.json:test");
  EXPECT_GT(selection->tasks.size(), 0u);
}

TEST(ManifestSuite, EveryTruncationAndCorruptionIsAnErrorNamingTheFile) {
  testing::ScratchDir dir;
  const std::string tasks =
      "{\"task_id\": \"a1\", \"text\": \"add\", \"tests\": [\"assert add(1, 2) == 3\"], \"split\": "
      "\"dev\"}\n"
      "{\"task_id\": 7, \"text\": \"neg\", \"tests\": [\"assert neg(1) == -1\"], \"setup\": \"x = "
      "1\"}\n";
  const std::string manifest =
      "{\"name\": \"toy\", \"file\": \"tasks.jsonl\", \"prompt_style\": \"text\", "
      "\"time_limit_ms\": 2500, "
      "\"memory_limit_mib\": 256, \"splits\": {\"low\": {\"range\": [1, 9]}, \"dev\": {\"ids\": "
      "[\"a1\"]}}}";
  dir.Write("tasks.jsonl", tasks);
  auto load = [](const std::string& path) { LoadManifestSuite(path); };
  testing::SweepFile(dir.path() + "/suite.json", manifest, load);
  // The tasks file: a cut at a line end is a valid shorter file.
  std::string manifest_path = dir.Write("suite.json", manifest);
  testing::SweepFile(
      dir.path() + "/tasks.jsonl", tasks, [&](const std::string&) { load(manifest_path); },
      {[&](size_t cut) { return cut > 0 && (tasks[cut - 1] == '\n' || tasks[cut] == '\n'); }});
}

}  // namespace
}  // namespace ilf::tasks
