// The `ilf` command line: a table of subcommands (ninja-style). Each subcommand lives in its own
// runner/cmd_*.cc file, parses its own flags with CLI11 and returns an exit code; errors are thrown
// as ilf::Error and turned into exit codes by main() alone.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ilf {

struct Command {
  const char* name;
  const char* summary;                // one line, shown by `ilf --help`
  int (*run)(int argc, char** argv);  // argv[0] is "ilf NAME"
};

// All subcommands, in the order `ilf --help` lists them.
const std::vector<Command>& Commands();

// Parses argv into `app`. Returns an exit code when the process should stop now (--help: 0),
// nullopt to go on. Bad usage throws ilf::Error (exit 2) with CLI11's message, so main() prints it
// as "ilf COMMAND: error: ..."; a flag `app` does not have is named with the closest one it has
// ("unknown option '--suit' (did you mean '--suite'?)") before CLI11 would complain about the
// required option it then misses.
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

// CLI11 checks for numeric options, applied when the option is given (a default outside the range,
// such as 0 for "the suite's", stays usable). Their messages say what was expected:
// "--batch-rows: expected an integer >= 1, got 0".
CLI::Validator IntAtLeast(int64_t min);
CLI::Validator IntBetween(int64_t min, int64_t max);
// A finite number >= min (> min when `open_min`) and <= max (< max when `open_max`).
CLI::Validator RealBetween(double min, double max, bool open_min = false, bool open_max = false);
constexpr double kNoMax = std::numeric_limits<double>::infinity();

// The name of `names` closest to `word` by edit distance, when close enough to be a likely typo
// (at most a third of the word's letters differ, or one is a prefix of the other); nullopt else.
std::optional<std::string> ClosestName(const std::string& word,
                                       const std::vector<std::string>& names);

}  // namespace ilf
