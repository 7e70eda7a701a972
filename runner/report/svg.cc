// Inline SVG charts of the report: no script, no external resources.
#include <fmt/format.h>
#include <algorithm>
#include <map>

#include "runner/report/report.h"
#include "runner/round/round_table.h"

namespace ilf::report {
namespace {

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

// Headline metric values (pass@k, ROUGE-L, ...) by point: point 0 = eval_before of round 1, point r
// = eval_after of round r.
std::map<std::string, std::vector<std::pair<int, double>>> Series(const Json& manifest) {
  std::map<std::string, std::vector<std::pair<int, double>>> series;
  const Json& rounds = manifest["rounds"];
  auto add = [&](const Json& stage, int point) {
    if (stage.is_null() || !stage.contains("counts")) return;
    const Json& counts = stage["counts"];
    for (const std::string& key : round::HeadlineMetrics(counts)) {
      if (counts[key].is_number()) series[key].push_back({point, counts[key].get<double>()});
    }
  };
  for (const auto& [key, stages] : rounds.items()) {
    int r = std::stoi(key);
    if (r == 1) add(stages.value("eval_before", Json()), 0);
    add(stages.value("eval_after", Json()), r);
  }
  for (auto& [k, points] : series) std::sort(points.begin(), points.end());
  return series;
}

}  // namespace

std::string MetricsTitle(const Json& manifest) {
  std::string names;
  bool all_pass_at_k = true;
  for (const auto& [k, points] : Series(manifest)) {
    names += (names.empty() ? "" : ", ") + k;
    all_pass_at_k = all_pass_at_k && k.rfind("pass@", 0) == 0;
  }
  return (all_pass_at_k ? std::string("pass@k") : names) + " by round";
}

std::string PassAtKPlot(const Json& manifest) {
  auto series = Series(manifest);
  int last = 1;
  for (const auto& [k, points] : series)
    for (const auto& p : points) last = std::max(last, p.first);
  const double w = 480, h = 260, left = 50, right = 120, top = 20, bottom = 40;
  const double pw = w - left - right, ph = h - top - bottom;
  auto x = [&](int point) { return left + pw * point / last; };
  auto y = [&](double v) { return top + ph * (1 - v); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\">\n",
      w, h, EscapeHtml(MetricsTitle(manifest)));
  for (double v : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    svg += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{:.2f}</text>\n",
        left, y(v), left + pw, y(v), left - 6, y(v) + 4, v);
  }
  for (int p = 0; p <= last; ++p) {
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n", x(p),
        h - bottom + 16, p == 0 ? "before" : "round " + std::to_string(p));
  }
  int i = 0;
  for (const auto& [k, points] : series) {
    const char* color = kColors[i % 5];
    std::string path;
    for (const auto& [point, value] : points) {
      path += fmt::format("{:.1f},{:.1f} ", x(point), y(value));
      svg += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{} {}: "
          "{:.3f}</title></circle>\n",
          x(point), y(value), color, k,
          point == 0 ? "before" : "after round " + std::to_string(point), value);
    }
    svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                       path, color);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{}\">{}</text>\n",
                       left + pw + 10, top + 16 + 16 * i, color, k);
    ++i;
  }
  if (series.empty()) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">no evaluation yet</text>\n",
                       left + 10, top + ph / 2);
  }
  return svg + "</svg>\n";
}

std::string BarChart(const std::vector<std::pair<std::string, double>>& rows,
                     const std::string& unit) {
  double max = 0;
  for (const auto& [label, value] : rows) max = std::max(max, value);
  const double row_h = 22, label_w = 230, bar_w = 260;
  std::string svg =
      fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">\n",
                  label_w + bar_w + 90, row_h * rows.size() + 8);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& [label, value] = rows[i];
    double y = 4 + row_h * i;
    double len = max > 0 ? bar_w * value / max : 0;
    std::string shown =
        unit.empty() ? fmt::format("{:g}", value) : fmt::format("{:.1f} {}", value, unit);
    svg += fmt::format(
        "<text x=\"{}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"#4c78a8\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\">{}</text>\n",
        label_w - 6, y + 14, EscapeHtml(label), label_w, y + 2, len, row_h - 6, label_w + len + 6,
        y + 14, shown);
  }
  return svg + "</svg>\n";
}

}  // namespace ilf::report
