// Tasks and suites: what a program is asked to do and the trusted tests that check it.
//
// Theory of operation: a Suite is loaded once from its original files (MBPP, HumanEval, EvalPlus)
// or from a JSONL file plus a manifest (DESIGN.md §5). Each Task carries the trusted test blocks
// that the sandbox runs after the untrusted program (sandbox::ExecRequest). Splits are named
// subsets of task ids, possibly overlapping (MBPP's standard "test" 11-510 and Chen et al.'s
// "chen-test" 11-110).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace ilf::tasks {

struct Task {
  std::string task_id;            // as the suite's files spell it: "11", "HumanEval/0", "Mbpp/2"
  std::optional<int64_t> number;  // the numeric part of the id, used by split ranges
  std::string text;               // the natural-language task
  std::string prompt;  // the suite's own prompt, when it has one (HumanEval's signature+docstring)
  std::string setup;   // trusted code run after the program, before the tests
  std::vector<std::string> tests;  // trusted test blocks, run in order; each one is one test
  size_t base_test_count = 0;      // EvalPlus: the first base_test_count tests are the base tests
  std::string reference;           // a correct program (complete, runnable with setup + tests)
  std::string split;               // explicit split from a JSONL suite ("" if none)

  // The function the tests call ("" if unknown). Either given (HumanEval's field, a manifest's
  // `entry_point`) or derived on first use from the reference and the first test, a parse of each:
  // deriving it for all 974 MBPP tasks at load took ~100 ms that a one-sample `ilf eval` paid in
  // full. Thread-safe.
  const std::string& EntryPoint() const;
  void SetEntryPoint(std::string name);  // given: used as is
  void DeriveEntryPoint();               // derived on the first EntryPoint()

 private:
  mutable std::string entry_point_;
  mutable bool derive_entry_point_ = false;  // entry_point_ is still to be derived
};

// A named subset of a suite: the task ids whose number lies in [first, last], or an explicit list.
struct Split {
  std::string name;
  std::string description;  // one line, shown by `ilf suites`
  int64_t first = 0;        // inclusive range of Task::number (used when ids is empty)
  int64_t last = -1;
  std::vector<std::string> ids;  // explicit task ids (manifest splits, JSONL `split` fields)
  bool Contains(const Task& task) const;
};

enum class PromptStyle {
  kChen,       // Chen et al. ILF prompt: docstring with text and first example, then the signature
  kMbpp3Shot,  // Austin et al. 3-shot prompt (tasks 2, 3, 4 as shots)
  kHumanEval,  // the task's own prompt (signature + docstring)
  kText,       // the bare task text
};
std::optional<PromptStyle> ParsePromptStyle(const std::string& name);
std::string PromptStyleName(PromptStyle style);

struct Suite {
  std::string name;  // "mbpp", "humaneval", or the manifest's name
  std::string description;
  std::string source;         // the file(s) it was loaded from
  std::vector<Task> tasks;    // in file order
  std::vector<Split> splits;  // named splits; "all" is implicit
  PromptStyle prompt_style = PromptStyle::kChen;
  sandbox::Limits limits;                // default limits for its executions
  std::vector<std::string> id_prefixes;  // prefixes a sample's task_id may carry ("Mbpp/")
  bool approximate_floats =
      false;  // `assert x == 1.5` compares like pytest.approx (tasks/approx.h)

  // The task with this id (exact, or after stripping an id prefix, or by number); nullptr if none.
  const Task* Find(const std::string& task_id) const;
  const Split* FindSplit(const std::string& split_name) const;
  // Tasks of a split ("" or "all": every task). Throws ilf::Error listing the known splits.
  std::vector<const Task*> TasksOf(const std::string& split_name) const;
};

// The numeric part of a task id: "11" → 11, "Mbpp/2" → 2, "HumanEval/163" → 163, "abc" → nullopt.
std::optional<int64_t> TaskNumber(const std::string& task_id);

}  // namespace ilf::tasks
