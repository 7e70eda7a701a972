// Two executables are built from runner/main.cc: `ilf`, which links no LibTorch, and `ilf-torch`,
// which runs every command. `ilf` lists the model commands (those of the ILF_WITH_TORCH block of
// runner/commands.inc) but hands each over to `ilf-torch` beside it (exec, same arguments), so that
// `ilf version`, `ilf eval` and the other torch-free commands start without loading LibTorch.
// runner/executable.cc, compiled into each (ILF_TORCH_EXECUTABLE defined for ilf-torch), defines
// Commands() (cli.h) and ModelSourceFactory() accordingly.
#pragma once

#include <string>

#include "feedback/run_feedback.h"
#include "runner/cli.h"

namespace ilf {

// Runs `command` in this process, or hands it over to ilf-torch (a command whose `run` is
// nullptr: a model command in `ilf`).
int RunCommand(const Command& command, int argc, char** argv);

// Replaces this process by `ilf-torch COMMAND argv[1..]`, ilf-torch being the file beside this
// executable. Throws ilf::Error (exit 1) naming that path and the reason when it cannot run it, or
// when this build has no LibTorch at all.
[[noreturn]] void HandOverToTorch(const std::string& command, int argc, char** argv);

// The model:DIR feedback source of this executable: feedback::MakeModelSource in ilf-torch;
// nullptr in ilf, whose `ilf feedback --source model:` hands over to ilf-torch.
feedback::ModelSourceFactory ModelSourceFactory();

}  // namespace ilf
