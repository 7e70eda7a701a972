// Plug-in suites: a JSONL file of tasks plus a small JSON manifest (DESIGN.md §5).
#include <filesystem>
#include <regex>
#include <set>

#include "src/code/names.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "tasks/limits.h"
#include "tasks/suite.h"

namespace ilf::tasks {
namespace {

const std::set<std::string> kManifestKeys = {"name", "description", "file", "prompt_style", "splits",
                                             "time_limit_ms", "memory_limit_mib", "id_prefixes", "approximate_floats"};
const std::set<std::string> kTaskKeys = {"task_id", "text", "tests", "setup", "reference", "entry_point",
                                         "split", "prompt"};

Json ParseManifest(const std::string& path) {
  Json manifest = ReadJsonFile(path);
  if (!manifest.is_object()) throw Error(path + ": a suite manifest must be a JSON object");
  for (auto& [key, value] : manifest.items()) {
    if (!kManifestKeys.count(key)) {
      throw Error(path + ": unknown manifest key '" + key +
                  "' (known: name, description, file, prompt_style, splits, time_limit_ms, "
                  "memory_limit_mib, id_prefixes, approximate_floats)");
    }
  }
  for (const char* key : {"name", "file"}) {
    if (!manifest.contains(key) || !manifest[key].is_string()) {
      throw Error(path + ": manifest needs a string '" + key + "'");
    }
  }
  // Wrong types would otherwise surface as nlohmann's "type must be string, but is number".
  auto require = [&](const char* key, bool ok, const char* expected) {
    if (manifest.contains(key) && !ok) {
      throw Error(path + ": manifest key '" + key + "' is " + manifest[key].dump() + ", expected " +
                  expected);
    }
  };
  require("description", manifest.value("description", Json("")).is_string(), "a string");
  require("prompt_style", manifest.value("prompt_style", Json("")).is_string(),
          "a string (chen, mbpp-3shot, humaneval, text)");
  require("splits", manifest.value("splits", Json::object()).is_object(),
          "an object {\"NAME\": {\"range\": [first, last]} or {\"ids\": [...]}}");
  require("approximate_floats", manifest.value("approximate_floats", Json(true)).is_boolean(),
          "true or false");
  bool prefixes_ok = manifest.value("id_prefixes", Json::array()).is_array();
  for (const Json& prefix : manifest.value("id_prefixes", Json::array())) {
    prefixes_ok = prefixes_ok && prefix.is_string();
  }
  require("id_prefixes", prefixes_ok, "a list of strings");
  return manifest;
}

// A positive integer limit no larger than `max`; `fallback` when absent.
int64_t LimitField(const Json& manifest, const std::string& path, const char* key, int64_t fallback,
                   int64_t max) {
  if (!manifest.contains(key)) return fallback;
  const Json& value = manifest[key];
  bool ok = value.is_number_unsigned() && value.get<uint64_t>() >= 1 &&
            value.get<uint64_t>() <= static_cast<uint64_t>(max);
  if (!ok) {
    throw Error(path + ": manifest '" + key + "' is " + value.dump() +
                ", expected an integer from 1 to " + std::to_string(max));
  }
  return value.get<int64_t>();
}

Split ParseSplit(const std::string& path, const std::string& name, const Json& spec) {
  Split split;
  split.name = name;
  std::string where = path + ": split '" + name + "'";
  if (!spec.is_object()) throw Error(where + " must be an object with \"range\": [first, last] or \"ids\": [...]");
  if (spec.contains("description") && !spec["description"].is_string()) {
    throw Error(where + ": \"description\" must be a string, got " + spec["description"].dump());
  }
  split.description = spec.value("description", "");
  if (spec.contains("range")) {
    const Json& range = spec["range"];
    if (!range.is_array() || range.size() != 2 || !range[0].is_number_integer() || !range[1].is_number_integer()) {
      throw Error(where + ": \"range\" must be [first, last] task numbers");
    }
    split.first = range[0].get<int64_t>();
    split.last = range[1].get<int64_t>();
    if (split.first > split.last) {
      throw Error(where + ": \"range\" " + range.dump() + " is empty (first > last; expected [" +
                  std::to_string(split.last) + ", " + std::to_string(split.first) + "]?)");
    }
    if (split.description.empty()) {
      split.description = "tasks " + std::to_string(split.first) + "-" + std::to_string(split.last);
    }
  } else if (spec.contains("ids")) {
    if (!spec["ids"].is_array()) throw Error(where + ": \"ids\" must be a list of task ids");
    for (const Json& id : spec["ids"]) {
      if (!id.is_string() && !id.is_number_integer()) {
        throw Error(where + ": \"ids\" holds " + id.dump() + ", expected task ids (strings or integers)");
      }
      split.ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    }
    if (split.ids.empty()) throw Error(where + ": \"ids\" is empty");
  } else {
    throw Error(where + " needs \"range\" or \"ids\"");
  }
  return split;
}

// A test that compares without asserting ("max3(1, 2, 3) == 4"): the result is discarded, so the
// test passes whatever the program returns. Tests that call a checker (HumanEval's
// "check(candidate)") or loop over asserts are not flagged.
bool ComparesWithoutAssert(const std::string& test) {
  static const std::regex kAsserts(R"((^|\W)(assert|raise)\b)");
  static const std::regex kCompares(R"(==|!=|<|>|\bin\b|\bis\b)");
  return !std::regex_search(test, kAsserts) && std::regex_search(test, kCompares);
}

Task ParseTask(const JsonlRecord& record) {
  for (auto& [key, value] : record.value.items()) {
    if (!kTaskKeys.count(key)) {
      throw Error(record.Where() + ": unknown field '" + key +
                  "' (task fields: task_id, text, tests, setup, reference, entry_point, split, prompt)");
    }
  }
  Task task;
  const Json& id = record.Field("task_id");
  if (!id.is_string() && !id.is_number_integer()) {
    throw Error(record.Where() + ": field 'task_id' must be a string or an integer");
  }
  task.task_id = id.is_string() ? id.get<std::string>() : std::to_string(id.get<int64_t>());
  task.number = TaskNumber(task.task_id);
  task.text = record.String("text");
  const Json& tests = record.Field("tests");
  if (!tests.is_array() || tests.empty()) {
    throw Error(record.Where() + ": field 'tests' must be a non-empty list of test statements");
  }
  for (const Json& test : tests) {
    if (!test.is_string()) throw Error(record.Where() + ": field 'tests' must hold strings");
    task.tests.push_back(test.get<std::string>());
  }
  task.base_test_count = task.tests.size();
  if (record.Has("setup")) task.setup = record.String("setup");
  if (record.Has("reference")) task.reference = record.String("reference");
  if (record.Has("prompt")) task.prompt = record.String("prompt");
  if (record.Has("split")) task.split = record.String("split");
  if (record.Has("entry_point")) {
    task.SetEntryPoint(record.String("entry_point"));
  } else {
    task.DeriveEntryPoint();
  }
  if (record.Has("entry_point") && !task.reference.empty() &&
      !code::FindTopLevelNames(task.reference).Defines(task.EntryPoint())) {
    throw Error(record.Where() + ": entry_point '" + task.EntryPoint() +
                "' is not defined at the top level of the task's reference");
  }
  for (size_t i = 0; i < task.tests.size(); ++i) {
    if (ComparesWithoutAssert(task.tests[i])) {
      LogWarning("{}: task '{}' test {} compares without assert, so it can never fail: '{}' (did "
                 "you mean 'assert {}'?)",
                 record.Where(), task.task_id, i + 1, task.tests[i], task.tests[i]);
    }
  }
  return task;
}

// A split's "ids" name tasks as samples do ("3", 3 and "Toy/3" with an id prefix); each becomes
// the task's own id, and an id that names no task is an error (it used to be dropped silently).
void ResolveSplitIds(const std::string& manifest_path, Suite& suite) {
  for (Split& split : suite.splits) {
    for (std::string& id : split.ids) {
      const Task* task = suite.Find(id);
      if (task == nullptr) {
        throw Error(manifest_path + ": split '" + split.name + "' names task '" + id + "', which " +
                    suite.source + " does not have");
      }
      id = task->task_id;
    }
  }
}

}  // namespace

Suite LoadManifestSuite(const std::string& manifest_path) {
  Json manifest = ParseManifest(manifest_path);
  Suite suite;
  suite.name = manifest["name"].get<std::string>();
  suite.description = manifest.value("description", "");
  std::filesystem::path file = manifest["file"].get<std::string>();
  if (file.is_relative()) file = std::filesystem::path(manifest_path).parent_path() / file;
  suite.source = file.string();
  if (!std::filesystem::is_regular_file(file)) {
    throw Error(manifest_path + ": 'file' names '" + suite.source +
                "', which is not a readable file (hint: a relative path is taken from the "
                "manifest's directory)");
  }
  if (manifest.contains("prompt_style")) {
    std::string style = manifest["prompt_style"].get<std::string>();
    auto parsed = ParsePromptStyle(style);
    if (!parsed) {
      throw Error(manifest_path + ": unknown prompt_style '" + style + "' (chen, mbpp-3shot, humaneval, text)");
    }
    suite.prompt_style = *parsed;
  }
  suite.limits.wall_time_ms = LimitField(manifest, manifest_path, "time_limit_ms",
                                         suite.limits.wall_time_ms, kMaxTimeLimitMs);
  suite.limits.cpu_time_ms = suite.limits.wall_time_ms;
  suite.limits.memory_mib = LimitField(manifest, manifest_path, "memory_limit_mib",
                                       suite.limits.memory_mib, kMaxMemoryLimitMib);
  suite.approximate_floats = manifest.value("approximate_floats", true);
  if (manifest.contains("id_prefixes")) suite.id_prefixes = manifest["id_prefixes"].get<std::vector<std::string>>();
  if (manifest.contains("splits")) {
    for (auto& [name, spec] : manifest["splits"].items()) {
      suite.splits.push_back(ParseSplit(manifest_path, name, spec));
    }
  }
  std::set<std::string> seen;
  for (const JsonlRecord& record : ReadJsonl(suite.source)) {
    Task task = ParseTask(record);
    if (!seen.insert(task.task_id).second) {
      throw Error(record.Where() + ": duplicate task_id '" + task.task_id + "'");
    }
    if (!task.split.empty()) {
      Split* split = nullptr;
      for (Split& s : suite.splits) {
        if (s.name == task.split) split = &s;
      }
      if (split == nullptr) {
        suite.splits.push_back({task.split, "tasks marked split=" + task.split, 0, -1, {}});
        split = &suite.splits.back();
      }
      if (split->ids.empty() && split->last >= split->first) {
        throw Error(record.Where() + ": task names split '" + task.split +
                    "', which the manifest defines as a range; use one or the other");
      }
      split->ids.push_back(task.task_id);
    }
    suite.tasks.push_back(std::move(task));
  }
  if (suite.tasks.empty()) throw Error(suite.source + ": the suite has no tasks");
  ResolveSplitIds(manifest_path, suite);
  return suite;
}

std::unique_ptr<SuiteSelection> SelectSuite(const std::string& spec) {
  std::string name = spec;
  std::string split;
  auto is_manifest = [](const std::string& s) {
    return s.find('/') != std::string::npos || (s.size() > 5 && s.substr(s.size() - 5) == ".json");
  };
  if (!(is_manifest(spec) && std::filesystem::exists(spec))) {
    size_t colon = spec.rfind(':');
    if (colon != std::string::npos) {
      name = spec.substr(0, colon);
      split = spec.substr(colon + 1);
    }
  }
  auto selection = std::make_unique<SuiteSelection>();
  if (is_manifest(name)) {
    if (!std::filesystem::exists(name)) throw Error("suite manifest '" + name + "' does not exist");
    selection->suite = LoadManifestSuite(name);
  } else {
    selection->suite = LoadBuiltinSuite(name);
  }
  selection->split = split;
  selection->tasks = selection->suite.TasksOf(split);
  return selection;
}

}  // namespace ilf::tasks
