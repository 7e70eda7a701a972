#include "runner/report/report.h"

#include <fmt/format.h>
#include <filesystem>
#include <map>

#include "runner/round/round_table.h"
#include "runner/round/run_dir.h"
#include "src/core/atomic_file.h"

namespace ilf::report {
namespace fs = std::filesystem;
namespace {

// The records of an artifact (header removed); none when the stage has not written it.
std::vector<Json> Records(const std::string& path) {
  std::vector<Json> out;
  if (!fs::exists(path)) return out;
  for (const JsonlRecord& r : ReadJsonl(path)) {
    if (!r.value.contains("ilf_header")) out.push_back(r.value);
  }
  return out;
}

std::string Str(const Json& v, const char* key) {
  if (!v.is_object() || !v.contains(key) || v[key].is_null()) return "";
  return v[key].is_string() ? v[key].get<std::string>() : v[key].dump();
}

std::string Key(const Json& v) { return Str(v, "task_id") + "\n" + Str(v, "sample_id"); }

// "FAIL: assert f(1) == 2 (AssertionError)" — the verdict and the first failing test.
std::string VerdictLine(const Json& result) {
  std::string line = Str(result, "verdict");
  // Artifacts are outside input too: a test entry of another shape is shown, never a type error.
  if (result.contains("tests") && result["tests"].is_array()) {
    for (const Json& t : result["tests"]) {
      if (!t.is_object() || Str(t, "status") == "passed" || Str(t, "status") == "not_run") continue;
      std::string what = Str(t, "exception_type");
      std::string message = Str(t, "message");
      if (!message.empty()) what += ": " + message;
      return line + " — " + what;
    }
  }
  std::string detail = Str(result, "detail");
  return detail.empty() ? line : line + " — " + detail.substr(0, 200);
}

std::vector<std::pair<std::string, double>> Funnel(const Json& stages) {
  auto count = [&](const char* stage, const char* key) {
    const Json& s = stages.value(stage, Json());
    if (s.is_null() || !s["counts"].contains(key) || !s["counts"][key].is_number()) return 0.0;
    return s["counts"][key].get<double>();
  };
  return {{"training tasks", count("execute", "tasks")},
          {"samples", count("execute", "samples")},
          {"correct samples", count("execute", "passed")},
          {"tasks needing feedback", count("execute", "tasks_needing_feedback")},
          {"feedback items", count("feedback", "usable")},
          {"refinements", count("refine", "refinements")},
          {"correct refinements", count("select", "correct_refinements")},
          {"selected pairs", count("select", "selected_pairs")}};
}

std::vector<std::pair<std::string, double>> Times(const Json& stages) {
  std::vector<std::pair<int64_t, std::pair<std::string, double>>> rows;
  for (const auto& [name, record] : stages.items()) {
    rows.push_back({record.value("order", 0), {name, record["times"].value("wall_s", 0.0)}});
  }
  std::sort(rows.begin(), rows.end());
  std::vector<std::pair<std::string, double>> out;
  for (auto& [order, row] : rows) out.push_back(row);
  return out;
}

// Per task: the program feedback was given on, its verdict, the feedback, the refinements.
std::string TaskSections(const std::string& round_dir, const ReportOptions& options,
                         size_t* listed) {
  std::map<std::string, Json> results, refinement_results;
  for (Json& r : Records(round_dir + "/results.jsonl")) results[Key(r)] = r;
  for (Json& r : Records(round_dir + "/refinement_results.jsonl")) refinement_results[Key(r)] = r;
  std::map<std::string, std::vector<Json>> refinements_of;  // feedback_id -> refinements
  for (Json& r : Records(round_dir + "/refinements.jsonl"))
    refinements_of[Str(r, "feedback_id")].push_back(r);
  std::map<std::string, std::string> selected;  // task -> refinement sample_id
  for (Json& p : Records(round_dir + "/pairs.jsonl"))
    selected[Str(p, "task_id")] = Str(p, "sample_id");
  std::string html;
  *listed = 0;
  for (const Json& fb : Records(round_dir + "/feedback.jsonl")) {
    if (*listed >= options.max_tasks) break;
    ++*listed;
    std::string task = Str(fb, "task_id");
    html += fmt::format("<section class=\"task\"><h4>task {}</h4>\n", EscapeHtml(task));
    auto result = results.find(task + "\n" + Str(fb, "sample_id"));
    std::string verdict = result != results.end()
                              ? VerdictLine(result->second)
                              : "annotated program (sample " + Str(fb, "sample_id") + ")";
    html += fmt::format("<p class=\"label\">initial program — {}</p><pre>{}</pre>\n",
                        EscapeHtml(verdict), EscapeHtml(Str(fb, "program")));
    std::string feedback = Str(fb, "feedback");
    html += fmt::format("<p class=\"label\">feedback ({})</p><blockquote>{}</blockquote>\n",
                        EscapeHtml(Str(fb, "source")),
                        feedback.empty() ? "<em>none: " + EscapeHtml(Str(fb, "error")) + "</em>"
                                         : EscapeHtml(feedback));
    const std::vector<Json>& refs = refinements_of[Str(fb, "feedback_id")];
    size_t shown = 0;
    for (const Json& ref : refs) {
      std::string id = Str(ref, "sample_id");
      bool is_selected = selected.count(task) && selected[task] == id;
      if (shown >= options.max_refinements && !is_selected) continue;
      ++shown;
      auto check = refinement_results.find(task + "\n" + id);
      std::string line = check != refinement_results.end() ? VerdictLine(check->second) : "?";
      html += fmt::format("<p class=\"label{}\">refinement {} — {}{}</p><pre>{}</pre>\n",
                          is_selected ? " selected" : "", EscapeHtml(id), EscapeHtml(line),
                          is_selected ? " — SELECTED" : "", EscapeHtml(Str(ref, "completion")));
    }
    if (refs.size() > shown)
      html += fmt::format("<p>… {} more refinements</p>\n", refs.size() - shown);
    html += "</section>\n";
  }
  return html;
}

std::string MarkdownTable(const std::vector<std::pair<std::string, double>>& rows,
                          const std::string& header, const std::string& unit) {
  std::string md = "| " + header + " | " + (unit.empty() ? "count" : unit) + " |\n| --- | ---: |\n";
  for (const auto& [label, value] : rows)
    md += fmt::format("| {} | {} |\n", label,
                      unit.empty() ? fmt::format("{:g}", value) : fmt::format("{:.1f}", value));
  return md;
}

std::string PassAtKMarkdown(const Json& stages) {
  std::string md;
  for (const char* which : {"eval_before", "eval_after"}) {
    const Json& s = stages.value(which, Json());
    if (s.is_null()) continue;
    const Json& counts = s["counts"];
    for (const std::string& key : round::HeadlineMetrics(counts)) {
      if (counts[key].is_number())
        md += fmt::format("| {} | {} | {:.3f} |\n",
                          which == std::string("eval_before") ? "before" : "after", key,
                          counts[key].get<double>());
    }
  }
  return md.empty() ? "" : "| model | metric | value |\n| --- | --- | ---: |\n" + md;
}

}  // namespace

std::string EscapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

ReportFiles WriteReport(const ReportOptions& options) {
  Json manifest = round::ReadManifest(options.run_dir);
  const Json& config = manifest["config"];
  std::string out_dir = options.out_dir.empty() ? options.run_dir : options.out_dir;
  std::string title = "ILF run " + fs::path(options.run_dir).filename().string();
  std::string setting = fmt::format(
      "task {} · suite {} · policy {} · feedback {} · {} samples/task · {} refinements/item · "
      "config {}",
      Str(config, "task"), Str(config, "suite"), Str(config, "policy_model"),
      Str(config.value("feedback", Json()), "source"), Str(config, "samples_per_task"),
      Str(config, "refinements_per_item"), Str(manifest, "config_hash"));
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title>\n"
      "<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}"
      "pre{{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:12px}}"
      "blockquote{{border-left:3px solid #4c78a8;margin:0;padding:.3em .8em;white-space:pre-wrap}}"
      ".label{{font-weight:bold;margin:.6em 0 .2em}}.selected{{color:#2ca02c}}"
      ".task{{border-top:1px solid #ccc;padding-top:.5em}}</style></head><body>\n"
      "<h1>{0}</h1>\n<p>{1}</p>\n<h2>{3}</h2>\n{2}",
      EscapeHtml(title), EscapeHtml(setting), PassAtKPlot(manifest),
      EscapeHtml(MetricsTitle(manifest)));
  std::string md = fmt::format("# {}\n\n{}\n\n", title, setting);
  for (const auto& [key, stages] : manifest["rounds"].items()) {
    int r = std::stoi(key);
    std::string round_dir = options.run_dir + "/round-" + key;
    auto funnel = Funnel(stages);
    auto times = Times(stages);
    size_t listed = 0;
    std::string tasks = TaskSections(round_dir, options, &listed);
    std::string table = round::FormatRoundTable(manifest, r);
    html += fmt::format(
        "<h2>round {0}</h2>\n<h3>funnel of counts per stage</h3>\n{1}"
        "<h3>time per stage</h3>\n{2}<h3>round table</h3>\n<pre>{3}</pre>\n"
        "<h3>tasks that got feedback ({4} listed)</h3>\n{5}",
        r, BarChart(funnel, ""), BarChart(times, "s"), EscapeHtml(table), listed, tasks);
    md += fmt::format("## round {}\n\n{}\n{}\n{}\n```\n{}```\n\n", r, PassAtKMarkdown(stages),
                      MarkdownTable(funnel, "stage count", ""),
                      MarkdownTable(times, "stage", "seconds"), table);
  }
  html += "</body></html>\n";
  fs::create_directories(out_dir);
  ReportFiles files{out_dir + "/report.html", out_dir + "/report.md"};
  WriteFileAtomically(files.html, html);
  WriteFileAtomically(files.markdown, md);
  return files;
}

}  // namespace ilf::report
