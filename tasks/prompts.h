// Prompt templates (DESIGN.md §1). Pure functions of the task; table-driven tests in
// tests/tasks/prompts_test.cc check them against the ILF paper's own prompts.
#pragma once

#include <string>
#include <vector>

#include "tasks/task.h"

namespace ilf::tasks {

// Chen et al.'s ILF prompt:
//   """\n{text}\n\n>>> Example: {first test, 'assert ' removed, '==' as '='}\n"""\n\n
//   {reference code up to and including the entry point's `def` line (right-stripped)}\n
// Line endings of the reference are normalised to \n. Without a reference, the prompt ends after the
// docstring.
std::string ChenPrompt(const Task& task);

// Austin et al.'s 3-shot MBPP prompt, with `shots` (MBPP tasks 2, 3, 4) as worked examples:
//   You are an expert Python programmer, and here is your task: {text} Your code should pass these
//   tests:\n\n{tests, one per line}\n[BEGIN]\n{code}\n[DONE]
// and the task itself ending in "[BEGIN]\n".
std::string Mbpp3ShotPrompt(const Task& task, const std::vector<const Task*>& shots);

// The ILF refinement prompt:
//   OLD CODE:\n{old program}\n\nFEEDBACK:\n{feedback}\n\nREFINEMENT:\n{initial prompt}
std::string RefinementPrompt(const std::string& old_program, const std::string& feedback,
                             const std::string& initial_prompt);

// The prompt of `task` in the suite's style (kMbpp3Shot takes MBPP tasks 2, 3, 4 from `suite`, or
// throws ilf::Error if it lacks them).
std::string BuildPrompt(const Suite& suite, const Task& task);
std::string BuildPrompt(const Suite& suite, const Task& task, PromptStyle style);

// Replaces every occurrence of `from` by `to` (Python's str.replace).
std::string ReplaceAll(std::string text, const std::string& from, const std::string& to);

}  // namespace ilf::tasks
