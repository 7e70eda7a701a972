// `ilf report RUN_DIR`: what a run of `ilf round` did, for a reader.
//
// Reads only the run directory (manifest.json and each round's artifacts), never a model, so it
// starts without LibTorch. Writes two files atomically:
//   report.html  self-contained (inline CSS and SVG, no script, no network): the headline metrics
//                (pass@k; summaries: ROUGE-L, win rate) by round as a line plot, the funnel of
//                counts per stage, time per stage with the orchestration share, the round tables,
//                and per task: the initial program with its verdict and failing test, the feedback,
//                the refinements with their verdicts, the selected one;
//   report.md    the same numbers as Markdown tables (no per-task listing beyond a summary).
#pragma once

#include <string>

#include "src/core/jsonl.h"

namespace ilf::report {

struct ReportOptions {
  std::string run_dir;         // a run directory of `ilf round`
  std::string out_dir;         // where report.html and report.md go ("" = run_dir)
  size_t max_tasks = 50;       // tasks listed per round in the HTML, at most
  size_t max_refinements = 5;  // refinements shown per feedback item, at most
};

struct ReportFiles {
  std::string html;
  std::string markdown;
};

// Throws ilf::Error when run_dir holds no run manifest or an artifact is malformed (file:line).
ReportFiles WriteReport(const ReportOptions& options);

// Pieces, for tests.
// An SVG line plot of the headline metrics (round::HeadlineMetrics: pass@k, or ROUGE-L and win
// rate, ...; one line each, values in [0, 1]) over points 0 (before round 1) .. R (after round R).
std::string PassAtKPlot(const Json& manifest);
// The plot's title: "pass@k by round", or the metric names ("rouge_l, win_rate by round").
std::string MetricsTitle(const Json& manifest);
// An SVG horizontal bar chart of (label, value) rows.
std::string BarChart(const std::vector<std::pair<std::string, double>>& rows,
                     const std::string& unit);
// Text escaped for HTML.
std::string EscapeHtml(const std::string& text);

}  // namespace ilf::report
