#include "runner/cli.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace ilf {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The first long flag of argv ("--suit" of "--suit=x") that `app` does not define; values that
// follow "--" are not flags.
std::optional<std::string> UnknownLongFlag(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) continue;
    std::string name = arg.substr(0, arg.find('='));
    if (app.get_option_no_throw(name) == nullptr) return name;
  }
  return std::nullopt;
}

}  // namespace

// The range validators are named kRangeValidator and described by their range, which
// ParseCommandLine moves from the option's type ("INT:>= 1") to the end of its help text.
constexpr const char* kRangeValidator = "ilf-range";

CLI::Validator IntBetween(int64_t min, int64_t max) {
  std::string range = max == INT64_MAX ? ">= " + std::to_string(min)
                                       : std::to_string(min) + " to " + std::to_string(max);
  std::string expected = (max == INT64_MAX ? "an integer " : "an integer from ") + range;
  return CLI::Validator(
      [min, max, expected](std::string& input) -> std::string {
        int64_t value = 0;
        if (!CLI::detail::lexical_cast(input, value) || value < min || value > max) {
          return "expected " + expected + ", got " + input;
        }
        return "";
      },
      range, kRangeValidator);
}

CLI::Validator IntAtLeast(int64_t min) { return IntBetween(min, INT64_MAX); }

CLI::Validator RealBetween(double min, double max, bool open_min, bool open_max) {
  std::string range = fmt::format("{} {}", open_min ? ">" : ">=", min);
  if (max < kNoMax) range += fmt::format(" and {} {}", open_max ? "<" : "<=", max);
  std::string expected = "a number " + range;
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        double value = 0;
        bool ok = CLI::detail::lexical_cast(input, value) && std::isfinite(value) &&
                  (open_min ? value > min : value >= min) &&
                  (open_max ? value < max : value <= max);
        return ok ? "" : "expected " + expected + ", got " + input;
      },
      range, kRangeValidator);
}

std::optional<std::string> ClosestName(const std::string& word,
                                       const std::vector<std::string>& names) {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const std::string& name : names) {
    size_t distance = EditDistance(word, name);
    bool prefix = !word.empty() && (name.rfind(word, 0) == 0 || word.rfind(name, 0) == 0);
    if (distance * 3 > std::max(word.size(), name.size()) && !prefix) continue;
    if (!best || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

namespace {

void ShowRangesInHelp(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    CLI::Validator* range = nullptr;
    try {
      range = option->get_validator(kRangeValidator);
    } catch (const CLI::OptionNotFound&) {
      continue;
    }
    std::string text = range->get_description();
    if (text.empty()) continue;  // already moved
    option->description(option->get_description() + " [" + text + "]");
    range->description("");  // the type stays "INT=default"
  }
}

}  // namespace

std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  ShowRangesInHelp(app);
  const std::string help = " (" + app.get_name() + " --help lists the options)";
  if (std::optional<std::string> unknown = UnknownLongFlag(app, argc, argv)) {
    std::vector<std::string> flags;
    for (const CLI::Option* option : app.get_options()) {
      for (const std::string& name : option->get_lnames()) flags.push_back("--" + name);
    }
    std::optional<std::string> closest = ClosestName(*unknown, flags);
    throw Error("unknown option '" + *unknown + "'" +
                (closest ? " (did you mean '" + *closest + "'?)" : help));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    throw Error(e.what() + help);
  }
  return std::nullopt;
}

}  // namespace ilf
