// `ilf report RUN_DIR`: an HTML page and a Markdown summary of a run of `ilf round`.
#include <cstdio>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/report/report.h"

namespace ilf {

int RunReport(int argc, char** argv) {
  CLI::App app{
      "Write RUN_DIR/report.html (self-contained: inline SVG, no network) and report.md from a "
      "run directory of `ilf round`: pass@k (summaries: ROUGE-L, win rate) by round, the funnel "
      "of counts per stage, time per "
      "stage, and per task the initial program with its verdict and failing test, the "
      "feedback, the refinements with their verdicts and the selected one.",
      "ilf report"};
  report::ReportOptions options;
  app.add_option("run_dir", options.run_dir, "run directory (holds manifest.json)")->required();
  app.add_option("--out", options.out_dir, "output directory (default: the run directory)");
  app.add_option("--max-tasks", options.max_tasks, "tasks listed per round")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  report::ReportFiles files = report::WriteReport(options);
  std::printf("%s\n%s\n", files.html.c_str(), files.markdown.c_str());
  return 0;
}

}  // namespace ilf
