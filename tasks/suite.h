// Loading suites by name: built-in suites from their original files under ILF_DATA_DIR, and plug-in
// suites described by a manifest (DESIGN.md §5, tasks/examples/).
//
// A suite is named on the command line as NAME[:SPLIT] (e.g. "mbpp:chen-test") or by a manifest's
// path, optionally followed by ":SPLIT" ("my/suite.json:test").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace ilf::tasks {

struct BuiltinSuiteInfo {
  std::string name;
  std::string description;
  std::vector<std::string> files;  // relative to DataDir()
};
const std::vector<BuiltinSuiteInfo>& BuiltinSuites();

// Loads a built-in suite from DataDir(). Throws ilf::Error if the name is unknown or its files are
// missing (with the hint to set ILF_DATA_DIR or run scripts/download_data.sh).
Suite LoadBuiltinSuite(const std::string& name);

// Loads a plug-in suite from its manifest (JSON). Errors name the manifest or the JSONL file and line.
Suite LoadManifestSuite(const std::string& manifest_path);

struct SuiteSelection {
  Suite suite;
  std::string split;                  // "" for all tasks
  std::vector<const Task*> tasks;     // the split's tasks (pointers into suite.tasks)
};
// Parses NAME[:SPLIT] or MANIFEST[:SPLIT] and loads it. Returned by pointer-stable unique ownership
// so `tasks` stays valid.
std::unique_ptr<SuiteSelection> SelectSuite(const std::string& spec);

}  // namespace ilf::tasks
