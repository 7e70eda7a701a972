// The end-of-round table, from the manifest alone (so `ilf report` and `ilf round` print the same).
#include <fmt/format.h>

#include <algorithm>

#include "runner/round/round_table.h"
#include "src/core/progress.h"

namespace ilf::round {
namespace {

std::string Value(const Json& stage, const char* key) {
  if (stage.is_null() || !stage["counts"].contains(key)) return "-";
  const Json& v = stage["counts"][key];
  if (v.is_null()) return "n/a";
  if (v.is_number_float()) return fmt::format("{:.3f}", v.get<double>());
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::vector<std::string> HeadlineMetrics(const Json& counts) {
  std::vector<std::string> names;
  if (!counts.is_object()) return names;
  auto shown = [&](const std::string& name) {
    return counts.contains(name) && (counts[name].is_number() || counts[name].is_null());
  };
  if (counts.contains("headline") && counts["headline"].is_array()) {
    for (const Json& name : counts["headline"]) {
      if (name.is_string() && shown(name.get<std::string>())) names.push_back(name);
    }
    return names;
  }
  for (const auto& [key, value] : counts.items()) {
    if (key.rfind("pass@", 0) == 0 && key.find("_note") == std::string::npos && shown(key))
      names.push_back(key);
  }
  return names;
}

std::string FormatRoundTable(const Json& manifest, int round) {
  const Json& stages = manifest["rounds"].value(std::to_string(round), Json::object());
  auto stage = [&](const char* name) { return stages.value(name, Json()); };
  std::string out = fmt::format("round {}\n", round);
  auto row = [&](const std::string& label, const std::string& value) {
    out += fmt::format("  {:<32} {:>12}\n", label, value);
  };
  row("tasks", Value(stage("execute"), "tasks"));
  row("samples", Value(stage("execute"), "samples"));
  row("pass rate of samples", Value(stage("execute"), "pass_rate"));
  row("tasks needing feedback", Value(stage("execute"), "tasks_needing_feedback"));
  row("feedback items", Value(stage("feedback"), "usable"));
  row("refinements", Value(stage("refine"), "refinements"));
  row("correct refinements", Value(stage("select"), "correct_refinements"));
  row("selected pairs", Value(stage("select"), "selected_pairs"));
  row("mean score of samples", Value(stage("execute"), "mean_score"));
  std::vector<std::string> metrics;  // of either evaluation, in order of first appearance
  for (const char* which : {"eval_before", "eval_after"}) {
    const Json& s = stage(which);
    for (const std::string& name :
         HeadlineMetrics(s.is_object() ? s.value("counts", Json()) : Json())) {
      if (std::find(metrics.begin(), metrics.end(), name) == metrics.end()) metrics.push_back(name);
    }
  }
  if (metrics.empty()) metrics = {"pass@1", "pass@10"};  // not evaluated yet: the rows, "-"
  for (const std::string& k : metrics) {
    row(k + " before", Value(stage("eval_before"), k.c_str()));
    row(k + " after", Value(stage("eval_after"), k.c_str()));
  }
  double total = 0, orchestration = 0;
  for (const auto& [name, record] : stages.items()) {
    double wall = record["times"].value("wall_s", 0.0);
    total += wall;
    orchestration += record["times"].value("orchestration_s", 0.0);
    row("time " + name, FormatDuration(wall));
  }
  row("time total", FormatDuration(total));
  row("orchestration share", total > 0 ? fmt::format("{:.2f}%", 100 * orchestration / total) : "-");
  return out;
}

}  // namespace ilf::round
