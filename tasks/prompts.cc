#include "tasks/prompts.h"

#include "src/core/error.h"

namespace ilf::tasks {
namespace {

std::string RightStrip(std::string s) {
  size_t end = s.find_last_not_of(" \t\r\n");
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

// The reference up to and including the line `def {entry_point}(`; "" if there is none.
std::string SignaturePrefix(const std::string& reference, const std::string& entry_point) {
  std::string code = ReplaceAll(reference, "\r\n", "\n");
  size_t line_start = 0;
  while (line_start < code.size()) {
    size_t line_end = code.find('\n', line_start);
    if (line_end == std::string::npos) line_end = code.size();
    size_t p = code.find_first_not_of(" \t", line_start);
    if (p < line_end && code.compare(p, 4, "def ") == 0) {
      size_t name = code.find_first_not_of(" \t", p + 4);
      if (code.compare(name, entry_point.size(), entry_point) == 0) {
        size_t after = name + entry_point.size();
        if (after < line_end && (code[after] == '(' || code[after] == ' ')) {
          return code.substr(0, line_start) + RightStrip(code.substr(line_start, line_end - line_start));
        }
      }
    }
    line_start = line_end + 1;
  }
  return "";
}

}  // namespace

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

std::string ChenPrompt(const Task& task) {
  std::string example = task.tests.empty() ? "" : ReplaceAll(ReplaceAll(task.tests.front(), "assert ", ""), "==", "=");
  std::string prompt = "\"\"\"\n" + task.text + "\n\n>>> Example: " + example + "\n\"\"\"\n\n";
  std::string signature = task.EntryPoint().empty() ? "" : SignaturePrefix(task.reference, task.EntryPoint());
  if (!signature.empty()) prompt += signature + "\n";
  return prompt;
}

std::string Mbpp3ShotPrompt(const Task& task, const std::vector<const Task*>& shots) {
  auto header = [](const Task& t) {
    std::string tests;
    for (size_t i = 0; i < t.tests.size() && i < 3; ++i) tests += t.tests[i] + "\n";
    return "You are an expert Python programmer, and here is your task: " + t.text +
           " Your code should pass these tests:\n\n" + tests + "[BEGIN]\n";
  };
  std::string prompt;
  for (const Task* shot : shots) {
    prompt += header(*shot) + RightStrip(ReplaceAll(shot->reference, "\r\n", "\n")) + "\n[DONE]\n";
  }
  return prompt + header(task);
}

std::string RefinementPrompt(const std::string& old_program, const std::string& feedback,
                             const std::string& initial_prompt) {
  return "OLD CODE:\n" + old_program + "\n\nFEEDBACK:\n" + feedback + "\n\nREFINEMENT:\n" + initial_prompt;
}

std::string BuildPrompt(const Suite& suite, const Task& task) { return BuildPrompt(suite, task, suite.prompt_style); }

std::string BuildPrompt(const Suite& suite, const Task& task, PromptStyle style) {
  switch (style) {
    case PromptStyle::kChen:
      return ChenPrompt(task);
    case PromptStyle::kHumanEval:
      return task.prompt.empty() ? ChenPrompt(task) : task.prompt;
    case PromptStyle::kText:
      return task.text;
    case PromptStyle::kMbpp3Shot: {
      std::vector<const Task*> shots;
      for (const char* id : {"2", "3", "4"}) {
        const Task* shot = suite.Find(id);
        if (shot == nullptr) {
          throw Error("the mbpp-3shot prompt needs MBPP tasks 2, 3 and 4 as shots; suite '" + suite.name +
                      "' lacks task " + id);
        }
        shots.push_back(shot);
      }
      return Mbpp3ShotPrompt(task, shots);
    }
  }
  return task.text;
}

}  // namespace ilf::tasks
