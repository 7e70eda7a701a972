// CheckSyntax on every reference program of MBPP, sanitized MBPP and HumanEval: valid Python 3 must
// never be reported as an error (the policy in src/code/syntax.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/code/syntax.h"
#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf::code {
namespace {

// Checks each (name, program) and returns "name: error" lines for the ones reported invalid.
std::vector<std::string> Failures(
    const std::vector<std::pair<std::string, std::string>>& programs) {
  std::vector<std::string> failures;
  for (const auto& [name, program] : programs) {
    SyntaxCheck check = CheckSyntax(program);
    if (!check.ok) failures.push_back(name + ": " + check.ToString());
  }
  return failures;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

TEST(SyntaxData, AllMbppReferenceProgramsAndTestsAreValid) {
  ILF_DATA_OR_SKIP(path, "mbpp/mbpp.jsonl");
  std::vector<std::pair<std::string, std::string>> programs;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    std::string id = "mbpp/" + std::to_string(record.Int("task_id"));
    programs.emplace_back(id, record.String("code"));
    std::string tests = record.String("test_setup_code") + "\n";
    for (const auto& test : record.Field("test_list")) tests += test.get<std::string>() + "\n";
    for (const auto& test : record.Field("challenge_test_list"))
      tests += test.get<std::string>() + "\n";
    programs.emplace_back(id + " tests", tests);
  }
  ASSERT_EQ(programs.size(), 2 * 974u);
  EXPECT_EQ(Join(Failures(programs)), "");
}

TEST(SyntaxData, AllSanitizedMbppProgramsAreValid) {
  ILF_DATA_OR_SKIP(path, "mbpp/sanitized-mbpp.json");
  Json tasks = Json::parse(ReadFile(path));
  std::vector<std::pair<std::string, std::string>> programs;
  for (const Json& task : tasks) {
    std::string id = "sanitized/" + std::to_string(task.at("task_id").get<int>());
    std::string tests;
    for (const auto& line : task.at("test_imports")) tests += line.get<std::string>() + "\n";
    for (const auto& line : task.at("test_list")) tests += line.get<std::string>() + "\n";
    programs.emplace_back(id, task.at("code").get<std::string>());
    programs.emplace_back(id + " tests", tests);
  }
  ASSERT_EQ(programs.size(), 2 * 427u);
  EXPECT_EQ(Join(Failures(programs)), "");
}

TEST(SyntaxData, AllHumanEvalPromptsWithCanonicalSolutionsAreValid) {
  ILF_DATA_OR_SKIP(path, "humaneval/HumanEval.jsonl.gz");
  std::vector<std::pair<std::string, std::string>> programs;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    programs.emplace_back(record.String("task_id"),
                          record.String("prompt") + record.String("canonical_solution"));
    programs.emplace_back(record.String("task_id") + " test", record.String("test"));
  }
  ASSERT_EQ(programs.size(), 2 * 164u);
  EXPECT_EQ(Join(Failures(programs)), "");
}

}  // namespace
}  // namespace ilf::code
