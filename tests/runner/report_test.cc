// `ilf report`: from a run directory (written here by hand, as `ilf round` writes it) to an HTML
// page that headless Chromium renders with what a reader needs, and a Markdown summary.
#include <gtest/gtest.h>

#include "runner/report/report.h"
#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

Json Stage(int order, Json counts, double wall_s) {
  return {{"status", "done"},
          {"order", order},
          {"counts", counts},
          {"times", {{"wall_s", wall_s}, {"orchestration_s", 0.01}}},
          {"outputs", Json::array()}};
}

// A one-round run: 2 tasks, task 11 failed and got feedback, one of its 2 refinements passed.
std::string WriteRun(const ScratchDir& dir) {
  std::string run = dir.path() + "/run";
  Json manifest = {
      {"schema", "ilf.run"},
      {"version", 1},
      {"config_hash", "abc123"},
      {"config",
       {{"task", "code"},
        {"suite", "mbpp"},
        {"policy_model", "tiny"},
        {"feedback", {{"source", "execution"}}},
        {"samples_per_task", 2},
        {"refinements_per_item", 2}}},
      {"rounds",
       {{"1",
         {{"sample", Stage(0, {{"samples", 4}, {"tasks", 2}}, 3.0)},
          {"execute", Stage(1,
                            {{"samples", 4},
                             {"passed", 1},
                             {"tasks", 2},
                             {"tasks_needing_feedback", 1},
                             {"pass_rate", 0.25}},
                            1.0)},
          {"feedback", Stage(2, {{"feedback_items", 1}, {"usable", 1}}, 0.5)},
          {"refine", Stage(3, {{"refinements", 2}}, 2.0)},
          {"select",
           Stage(4, {{"refinements", 2}, {"correct_refinements", 1}, {"selected_pairs", 1}}, 0.7)},
          {"finetune", Stage(5, {{"pairs", 1}, {"steps", 1}}, 4.0)},
          {"eval_before", Stage(6, {{"pass@1", 0.0}}, 1.0)},
          {"eval_after", Stage(7, {{"pass@1", 0.5}}, 1.0)}}}}}};
  WriteFileAtomically(run + "/manifest.json", manifest.dump(2));
  std::string header =
      R"J({"ilf_header": {"schema": "S", "version": 1, "config_hash": "abc123"}})J";
  auto write = [&](const std::string& name, const std::string& schema, const std::string& body) {
    std::string h = header;
    h.replace(h.find("\"S\""), 3, "\"" + schema + "\"");
    WriteFileAtomically(run + "/round-1/" + name, h + "\n" + body);
  };
  write(
      "results.jsonl", "ilf.results",
      R"J({"task_id": "11", "sample_id": "1", "passed": false, "verdict": "FAIL", "tests": [{"status": "failed", "exception_type": "AssertionError", "message": "remove_Occ(\"hello\",\"l\") returned 'heo'"}]})J"
      "\n");
  write(
      "feedback.jsonl", "ilf.feedback",
      R"J({"feedback_id": "execution-11-1", "task_id": "11", "sample_id": "1", "program": "def remove_Occ(s,ch):\n    return s.replace(ch, '')", "feedback": "Only the first and last occurrence must go; <all> of them were removed.", "source": "execution", "annotator": "ilf-execution"})J"
      "\n");
  write(
      "refinements.jsonl", "ilf.samples",
      R"J({"task_id": "11", "sample_id": "execution-11-1#0", "parent_sample_id": "1", "feedback_id": "execution-11-1", "completion": "    return s"})J"
      "\n"
      R"J({"task_id": "11", "sample_id": "execution-11-1#1", "parent_sample_id": "1", "feedback_id": "execution-11-1", "completion": "    i = s.find(ch)\n    return s[:i] + s[i+1:]"})J"
      "\n");
  write(
      "refinement_results.jsonl", "ilf.results",
      R"J({"task_id": "11", "sample_id": "execution-11-1#0", "passed": false, "verdict": "FAIL", "tests": []})J"
      "\n"
      R"J({"task_id": "11", "sample_id": "execution-11-1#1", "passed": true, "verdict": "PASS", "tests": []})J"
      "\n");
  write("pairs.jsonl", "ilf.pairs",
        R"J({"task_id": "11", "sample_id": "execution-11-1#1", "prompt": "p", "target": "t"})J"
        "\n");
  return run;
}

TEST(Report, ChromiumShowsPlotFunnelTimesAndTheTaskStory) {
  ScratchDir dir;
  std::string run = WriteRun(dir);
  auto r =
      RunCommand(testing::IlfBinary() + " report " + run + " --out " + dir.path() + "/out 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string html_path = dir.path() + "/out/report.html";
  std::string html = ReadFile(html_path);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no fetches
  EXPECT_EQ(html.find("<script"), std::string::npos);

  if (RunCommand("command -v chromium >/dev/null").exit_code != 0)
    GTEST_SKIP() << "chromium not installed (scripts/setup.sh installs it)";
  auto dom = RunCommand(
      "timeout 60 chromium --headless --no-sandbox --disable-gpu "
      "--user-data-dir=" +
      dir.path() + "/profile --dump-dom file://" + html_path + " 2>/dev/null");
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  const std::string& d = dom.output;
  // The pass@k plot: a line with a point before and after round 1, labelled.
  EXPECT_NE(d.find("aria-label=\"pass@k by round\""), std::string::npos);
  EXPECT_NE(d.find("<title>pass@1 before: 0.000</title>"), std::string::npos) << d;
  EXPECT_NE(d.find("<title>pass@1 after round 1: 0.500</title>"), std::string::npos);
  // The funnel and the times, as bars with their numbers.
  for (const char* label :
       {"tasks needing feedback", "correct refinements", "selected pairs", "finetune", "4.0 s"})
    EXPECT_NE(d.find(label), std::string::npos) << label;
  // The task's story: failing test, feedback (escaped), both refinements, the selected one.
  EXPECT_NE(d.find("FAIL — AssertionError: remove_Occ(\"hello\",\"l\") returned 'heo'"),
            std::string::npos);
  EXPECT_NE(d.find("&lt;all&gt; of them were removed"), std::string::npos);
  EXPECT_NE(d.find("refinement execution-11-1#0 — FAIL"), std::string::npos);
  EXPECT_NE(d.find("refinement execution-11-1#1 — PASS — SELECTED"), std::string::npos);

  std::string md = ReadFile(dir.path() + "/out/report.md");
  EXPECT_NE(md.find("| after | pass@1 | 0.500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| selected pairs | 1 |"), std::string::npos) << md;
}

TEST(Report, ADirectoryWithoutAManifestExits2) {
  ScratchDir dir;
  auto r = RunCommand(testing::IlfBinary() + " report " + dir.path() + " 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("manifest.json"), std::string::npos) << r.output;
}

TEST(Report, PlotHasAPointPerRoundAndKFromTheManifest) {
  Json m = {{"rounds",
             {{"1",
               {{"eval_before", {{"counts", {{"pass@1", 0.1}, {"pass@10", 0.2}}}}},
                {"eval_after", {{"counts", {{"pass@1", 0.3}, {"pass@10", 0.4}}}}}}},
              {"2", {{"eval_after", {{"counts", {{"pass@1", 0.5}, {"pass@10", 0.6}}}}}}}}}};
  std::string svg = report::PassAtKPlot(m);
  size_t circles = 0;
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1))
    ++circles;
  EXPECT_EQ(circles, 6u);  // 3 points x 2 ks
  EXPECT_NE(svg.find("pass@10 after round 2: 0.600"), std::string::npos);
}

// The artifacts are read as they are: a result whose tests are not a list of objects, or whose
// fields have other types, is shown as it stands (before: nlohmann's type_error from value(), exit
// 1 and no file named).
TEST(Report, ArtifactFieldsOfOtherShapesAreShownNotFatal) {
  ScratchDir dir;
  std::string run = WriteRun(dir);
  WriteFileAtomically(
      run + "/round-1/results.jsonl",
      R"J({"ilf_header": {"schema": "ilf.results", "version": 1, "config_hash": "abc123"}})J"
      "\n"
      R"J({"task_id": "11", "sample_id": "1", "verdict": 3, "tests": [1, {"status": 5, "message": "m"}]})J"
      "\n");
  WriteFileAtomically(
      run + "/round-1/refinement_results.jsonl",
      R"J({"task_id": "11", "sample_id": "execution-11-1#0", "verdict": "FAIL", "tests": "x", "detail": 7})J"
      "\n");
  report::ReportFiles files = report::WriteReport({run, dir.path() + "/out"});
  std::string html = ReadFile(files.html);
  EXPECT_NE(html.find("initial program — 3 — : m"), std::string::npos) << html;
  EXPECT_NE(html.find("refinement execution-11-1#0 — FAIL — 7"), std::string::npos) << html;
}

}  // namespace
}  // namespace ilf
