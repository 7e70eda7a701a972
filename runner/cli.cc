#include "runner/cli.h"

#include "runner/commands.h"
#include "src/core/error.h"

namespace ilf {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
#define ILF_COMMAND(name, summary, fn) {name, summary, fn},
#include "runner/commands.inc"
#undef ILF_COMMAND
  };
  return kCommands;
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace ilf
