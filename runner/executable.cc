// Compiled into `ilf` and into `ilf-torch` (ILF_TORCH_EXECUTABLE): the command table, whose model
// commands only ilf-torch runs in process, and the model feedback source, which only it links.
#include "runner/executable.h"

#include <cstring>

#include "runner/commands.h"
#ifdef ILF_TORCH_EXECUTABLE
#include "feedback/model_source.h"
#endif

namespace ilf {

#ifdef ILF_TORCH_EXECUTABLE

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
#define ILF_COMMAND(name, summary, fn) {name, summary, fn},
#include "runner/commands.inc"
#undef ILF_COMMAND
  };
  return kCommands;
}

feedback::ModelSourceFactory ModelSourceFactory() { return &feedback::MakeModelSource; }

#else

namespace {

// The commands outside commands.inc's ILF_WITH_TORCH block, with their functions...
const Command kTorchFree[] = {
#pragma push_macro("ILF_WITH_TORCH")
#undef ILF_WITH_TORCH
#define ILF_COMMAND(name, summary, fn) {name, summary, fn},
#include "runner/commands.inc"
#undef ILF_COMMAND
#pragma pop_macro("ILF_WITH_TORCH")
};

// ...and every command, named only (the model commands' functions are not linked into ilf).
const Command kNamed[] = {
#define ILF_COMMAND(name, summary, fn) {name, summary, nullptr},
#include "runner/commands.inc"
#undef ILF_COMMAND
};

}  // namespace

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = [] {
    std::vector<Command> commands;
    for (const Command& named : kNamed) {
      const Command* free = nullptr;
      for (const Command& command : kTorchFree) {
        if (std::strcmp(command.name, named.name) == 0) free = &command;
      }
      commands.push_back(free != nullptr ? *free : named);  // run nullptr: runs in ilf-torch
    }
    return commands;
  }();
  return kCommands;
}

feedback::ModelSourceFactory ModelSourceFactory() { return nullptr; }

#endif

}  // namespace ilf
