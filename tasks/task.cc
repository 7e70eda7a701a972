#include "tasks/task.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "src/code/names.h"
#include "src/core/error.h"

namespace ilf::tasks {

const std::string& Task::EntryPoint() const {
  static std::mutex mutex;  // derivations are rare and short; one lock for all tasks suffices
  std::lock_guard<std::mutex> lock(mutex);
  if (derive_entry_point_) {
    if (!tests.empty()) entry_point_ = code::FindEntryPoint(reference, tests.front()).value_or("");
    derive_entry_point_ = false;
  }
  return entry_point_;  // never changes once derived, so the reference outlives the lock
}

void Task::SetEntryPoint(std::string name) {
  entry_point_ = std::move(name);
  derive_entry_point_ = false;
}

void Task::DeriveEntryPoint() {
  entry_point_.clear();
  derive_entry_point_ = true;
}

bool Split::Contains(const Task& task) const {
  if (!ids.empty()) return std::find(ids.begin(), ids.end(), task.task_id) != ids.end();
  return task.number && *task.number >= first && *task.number <= last;
}

std::optional<PromptStyle> ParsePromptStyle(const std::string& name) {
  if (name == "chen") return PromptStyle::kChen;
  if (name == "mbpp-3shot") return PromptStyle::kMbpp3Shot;
  if (name == "humaneval") return PromptStyle::kHumanEval;
  if (name == "text") return PromptStyle::kText;
  return std::nullopt;
}

std::string PromptStyleName(PromptStyle style) {
  switch (style) {
    case PromptStyle::kChen:
      return "chen";
    case PromptStyle::kMbpp3Shot:
      return "mbpp-3shot";
    case PromptStyle::kHumanEval:
      return "humaneval";
    case PromptStyle::kText:
      return "text";
  }
  return "?";
}

std::optional<int64_t> TaskNumber(const std::string& task_id) {
  size_t slash = task_id.rfind('/');
  std::string digits = slash == std::string::npos ? task_id : task_id.substr(slash + 1);
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::stoll(digits);
}

const Task* Suite::Find(const std::string& task_id) const {
  auto by_id = [&](const std::string& id) -> const Task* {
    for (const Task& task : tasks) {
      if (task.task_id == id) return &task;
    }
    return nullptr;
  };
  if (const Task* task = by_id(task_id)) return task;
  for (const std::string& prefix : id_prefixes) {
    if (task_id.rfind(prefix, 0) == 0) {
      if (const Task* task = by_id(task_id.substr(prefix.size()))) return task;
    } else if (const Task* task = by_id(prefix + task_id)) {
      return task;
    }
  }
  return nullptr;
}

const Split* Suite::FindSplit(const std::string& split_name) const {
  for (const Split& split : splits) {
    if (split.name == split_name) return &split;
  }
  return nullptr;
}

std::vector<const Task*> Suite::TasksOf(const std::string& split_name) const {
  std::vector<const Task*> out;
  if (split_name.empty() || split_name == "all") {
    for (const Task& task : tasks) out.push_back(&task);
    return out;
  }
  const Split* split = FindSplit(split_name);
  if (split == nullptr) {
    std::string known = "all";
    for (const Split& s : splits) known += ", " + s.name;
    throw Error("suite '" + name + "' has no split '" + split_name + "' (known: " + known + ")");
  }
  for (const Task& task : tasks) {
    if (split->Contains(task)) out.push_back(&task);
  }
  return out;
}

}  // namespace ilf::tasks
