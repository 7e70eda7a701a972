// Plug-in suites: a JSONL file of tasks plus a small JSON manifest (DESIGN.md §5).
#include <filesystem>
#include <set>

#include "src/code/names.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "tasks/suite.h"

namespace ilf::tasks {
namespace {

const std::set<std::string> kManifestKeys = {"name", "description", "file", "prompt_style", "splits",
                                             "time_limit_ms", "memory_limit_mib", "id_prefixes", "approximate_floats"};
const std::set<std::string> kTaskKeys = {"task_id", "text", "tests", "setup", "reference", "entry_point",
                                         "split", "prompt"};

Json ParseManifest(const std::string& path) {
  Json manifest;
  try {
    manifest = Json::parse(ReadFile(path));
  } catch (const Json::parse_error& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
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
  return manifest;
}

Split ParseSplit(const std::string& path, const std::string& name, const Json& spec) {
  Split split;
  split.name = name;
  std::string where = path + ": split '" + name + "'";
  if (!spec.is_object()) throw Error(where + " must be an object with \"range\": [first, last] or \"ids\": [...]");
  split.description = spec.value("description", "");
  if (spec.contains("range")) {
    const Json& range = spec["range"];
    if (!range.is_array() || range.size() != 2 || !range[0].is_number_integer() || !range[1].is_number_integer()) {
      throw Error(where + ": \"range\" must be [first, last] task numbers");
    }
    split.first = range[0].get<int64_t>();
    split.last = range[1].get<int64_t>();
    if (split.description.empty()) {
      split.description = "tasks " + std::to_string(split.first) + "-" + std::to_string(split.last);
    }
  } else if (spec.contains("ids")) {
    for (const Json& id : spec["ids"]) {
      split.ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    }
    if (split.ids.empty()) throw Error(where + ": \"ids\" is empty");
  } else {
    throw Error(where + " needs \"range\" or \"ids\"");
  }
  return split;
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
  task.entry_point = record.Has("entry_point") ? record.String("entry_point")
                                               : code::FindEntryPoint(task.reference, task.tests.front()).value_or("");
  return task;
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
  if (manifest.contains("prompt_style")) {
    std::string style = manifest["prompt_style"].get<std::string>();
    auto parsed = ParsePromptStyle(style);
    if (!parsed) {
      throw Error(manifest_path + ": unknown prompt_style '" + style + "' (chen, mbpp-3shot, humaneval, text)");
    }
    suite.prompt_style = *parsed;
  }
  suite.limits.wall_time_ms = manifest.value("time_limit_ms", suite.limits.wall_time_ms);
  suite.limits.cpu_time_ms = suite.limits.wall_time_ms;
  suite.limits.memory_mib = manifest.value("memory_limit_mib", suite.limits.memory_mib);
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
