// The `ilf` command line: a table of subcommands (ninja-style). Each subcommand lives in its own
// runner/cmd_*.cc file, parses its own flags with CLI11 and returns an exit code; errors are thrown
// as ilf::Error and turned into exit codes by main() alone.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ilf {

struct Command {
  const char* name;
  const char* summary;  // one line, shown by `ilf --help`
  int (*run)(int argc, char** argv);  // argv[0] is "ilf NAME"
};

// All subcommands, in the order `ilf --help` lists them.
const std::vector<Command>& Commands();

// Parses argv into `app`. Returns an exit code when the process should stop now (--help: 0, bad
// usage: 2, after printing the message), nullopt to go on.
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

}  // namespace ilf
