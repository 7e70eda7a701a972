// CheckSyntax against CPython's own compile(): MBPP and HumanEval reference programs, mutated the
// way sampled programs go wrong (a character lost or added, a line re-indented, dropped, repeated
// or moved, a line break inside brackets), must never be called invalid when CPython accepts them.
// Needs python3 on PATH and the reference data; skips otherwise.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "src/code/syntax.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf::code {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  lines.push_back(text.substr(start));
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) text += (i ? "\n" : "") + lines[i];
  return text;
}

std::string Mutate(const std::string& program, std::mt19937& rng) {
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  std::vector<std::string> lines = SplitLines(program);
  size_t i = pick(lines.size());
  static const std::string kInserted = "():,[]'\" \t\n=.#\\";
  static const char* kBreaks[] = {"\n", "\r\n", "\r", " # c\n", "\\\n"};
  static const char* kIndents[] = {"", " ", "\t", "  \t ", "        "};
  switch (pick(9)) {
    case 0:
      if (program.empty()) return program;
      return std::string(program).erase(pick(program.size()), 1);
    case 1:
      return std::string(program).insert(pick(program.size() + 1), 1,
                                         kInserted[pick(kInserted.size())]);
    case 2:
      lines[i].insert(0, std::string(1 + pick(4), ' '));
      break;
    case 3:
      if (lines[i].rfind(" ", 0) == 0)
        lines[i].erase(0, std::min<size_t>(lines[i].size(), 1 + pick(4)));
      break;
    case 4:
      lines.erase(lines.begin() + i);
      break;
    case 5:
      lines.insert(lines.begin() + i, lines[pick(lines.size())]);
      break;
    case 6:
      std::swap(lines[i], lines[pick(lines.size())]);
      break;
    case 7: {
      size_t at = program.find_first_of("(,[", pick(program.size() + 1));
      if (at == std::string::npos) return program;
      return std::string(program).insert(at + 1, std::string(kBreaks[pick(5)]) + kIndents[pick(5)]);
    }
    default: {
      size_t start = lines[i].find_first_not_of(" \t");
      std::string blanks;
      for (size_t n = 1 + pick(5); n > 0; --n) blanks += pick(2) ? ' ' : '\t';
      lines[i] = blanks + (start == std::string::npos ? "" : lines[i].substr(start));
    }
  }
  return JoinLines(lines);
}

TEST(SyntaxVersusCPython, NoFalseErrorsOnMutatedReferencePrograms) {
  ILF_DATA_OR_SKIP(mbpp, "mbpp/mbpp.jsonl");
  ILF_DATA_OR_SKIP(humaneval, "humaneval/HumanEval.jsonl.gz");
  if (testing::RunCommand("python3 -c 'import sys; assert sys.version_info >= (3, 8)'").exit_code) {
    GTEST_SKIP() << "python3 (3.8 or newer) not on PATH";
  }
  std::vector<std::string> programs;
  for (const JsonlRecord& record : ReadJsonl(mbpp)) programs.push_back(record.String("code"));
  for (const JsonlRecord& record : ReadJsonl(humaneval)) {
    programs.push_back(record.String("prompt") + record.String("canonical_solution"));
  }
  std::mt19937 rng(20230316);
  std::vector<std::string> cases;
  for (const std::string& program : programs) {
    for (int n = 0; n < 8; ++n) {
      std::string mutated = Mutate(program, rng);
      if (n % 3 == 0) mutated = Mutate(mutated, rng);
      cases.push_back(mutated);
    }
  }

  testing::ScratchDir dir;
  std::string input;
  for (const std::string& source : cases) input += Json(source).dump() + "\n";
  std::string cases_path = dir.Write("cases.jsonl", input);
  std::string script = dir.Write("check.py",
                                 "import json, sys\n"
                                 "for line in open(sys.argv[1], encoding='utf-8'):\n"
                                 "    try:\n"
                                 "        compile(json.loads(line), '<case>', 'exec')\n"
                                 "        print(1)\n"
                                 "    except (SyntaxError, ValueError):\n"
                                 "        print(0)\n");
  testing::CommandResult python =
      testing::RunCommand("python3 -I -S -W ignore " + script + " " + cases_path);
  ASSERT_EQ(python.exit_code, 0) << python.output;
  ASSERT_EQ(python.output.size(), 2 * cases.size()) << "one verdict per case expected";

  int valid = 0, false_errors = 0, invalid = 0, caught = 0;
  std::string examples;
  for (size_t i = 0; i < cases.size(); ++i) {
    bool cpython_ok = python.output[2 * i] == '1';
    SyntaxCheck check = CheckSyntax(cases[i]);
    if (cpython_ok) {
      ++valid;
      if (!check.ok && ++false_errors <= 3) {
        examples += check.ToString() + " in:\n" + cases[i] + "\n-----\n";
      }
    } else {
      ++invalid;
      if (!check.ok) ++caught;
    }
  }
  EXPECT_EQ(false_errors, 0) << "valid for CPython, reported invalid:\n" << examples;
  // The check must also do its job: most programs CPython rejects are caught without Python.
  EXPECT_GT(caught, invalid * 9 / 10) << caught << " of " << invalid << " caught";
  EXPECT_GT(valid, 1000);
  std::printf("cases %zu: CPython-valid %d (false errors %d), invalid %d (caught %d)\n",
              cases.size(), valid, false_errors, invalid, caught);
}

}  // namespace
}  // namespace ilf::code
