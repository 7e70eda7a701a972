// Entry points of the subcommands listed in runner/commands.inc.
#pragma once

namespace ilf {

#define ILF_COMMAND(name, summary, fn) int fn(int argc, char** argv);
#include "runner/commands.inc"
#undef ILF_COMMAND

}  // namespace ilf
