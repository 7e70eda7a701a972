// `ilf suites`: the task suites there are, with task counts per split.
#include <cstdio>
#include <filesystem>

#include "runner/cli.h"
#include "runner/commands.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/paths.h"
#include "tasks/suite.h"

namespace ilf {
namespace {

Json DescribeSuite(const tasks::Suite& suite) {
  Json splits = Json::array();
  splits.push_back({{"name", "all"}, {"tasks", suite.tasks.size()}, {"description", "every task"}});
  for (const tasks::Split& split : suite.splits) {
    splits.push_back({{"name", split.name}, {"tasks", suite.TasksOf(split.name).size()},
                      {"description", split.description}});
  }
  return {{"name", suite.name},
          {"description", suite.description},
          {"source", suite.source},
          {"tasks", suite.tasks.size()},
          {"prompt_style", tasks::PromptStyleName(suite.prompt_style)},
          {"time_limit_ms", suite.limits.wall_time_ms},
          {"splits", splits}};
}

void PrintSuite(const Json& suite) {
  std::printf("%-16s %5lld tasks  %s\n", suite["name"].get<std::string>().c_str(),
              static_cast<long long>(suite["tasks"].get<int64_t>()), suite["description"].get<std::string>().c_str());
  for (const Json& split : suite["splits"]) {
    if (split["name"] == "all") continue;
    std::printf("  :%-14s %5lld  %s\n", split["name"].get<std::string>().c_str(),
                static_cast<long long>(split["tasks"].get<int64_t>()), split["description"].get<std::string>().c_str());
  }
}

}  // namespace

int RunSuites(int argc, char** argv) {
  CLI::App app{"List task suites and their splits with task counts. Built-in suites are read from "
               "ILF_DATA_DIR; a plug-in suite is named by its manifest's path (see tasks/examples/).",
               "ilf suites"};
  std::vector<std::string> names;
  bool json = false;
  app.add_option("suite", names, "suites to describe (NAME or MANIFEST.json); default: all built-in ones");
  app.add_flag("--json", json, "print one JSON array instead of a table");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;

  bool defaults = names.empty();
  if (defaults) {
    for (const tasks::BuiltinSuiteInfo& info : tasks::BuiltinSuites()) names.push_back(info.name);
  }
  Json all = Json::array();
  for (const std::string& name : names) {
    try {
      all.push_back(DescribeSuite(tasks::SelectSuite(name)->suite));
    } catch (const Error& e) {
      if (!defaults) throw;
      all.push_back({{"name", name}, {"error", e.what()}});
    }
  }
  if (json) {
    std::printf("%s\n", all.dump(2).c_str());
    return kExitOk;
  }
  std::printf("data directory: %s\n\n", DataDir().c_str());
  for (const Json& suite : all) {
    if (suite.contains("error")) {
      std::printf("%-16s   not available: %s\n", suite["name"].get<std::string>().c_str(),
                  suite["error"].get<std::string>().c_str());
      continue;
    }
    PrintSuite(suite);
  }
  return kExitOk;
}

}  // namespace ilf
