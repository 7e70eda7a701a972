// `--nproc N` of `ilf finetune` and `ilf bench train`: N data-parallel ranks on this machine, each
// a copy of this `ilf` binary started as torchrun starts its workers.
//
// Theory of operation. The launcher picks a free TCP port on 127.0.0.1 for rank 0's rendezvous
// store and forks N children. Each child asks the kernel for SIGTERM when the launcher dies
// (PR_SET_PDEATHSIG; ilf stops gracefully on it) and execs /proc/self/exe with the launcher's
// command line minus `--nproc`, and with WORLD_SIZE=N, RANK=LOCAL_RANK=i, LOCAL_WORLD_SIZE=N,
// MASTER_ADDR=127.0.0.1 and MASTER_PORT set; the children stay in the launcher's process group, so
// Ctrl-C in the terminal reaches every rank (they agree to stop after the same step) and the
// children inherit stdout and stderr. The launcher waits for all of them. When a rank fails (exit
// status other than 0, or a signal) the launcher logs which one, sends SIGTERM to the others (not
// when the status is 130: those are stopping on Ctrl-C already), SIGKILLs whatever still runs 30 s
// later, and returns the first failed rank's exit status (1 for a signal).
#pragma once

#include <string>
#include <vector>

namespace ilf {

// The command line of a rank: {"ilf", subcommand, argv[1..argc)} without `drop`, options that take
// a value (as "--nproc N" or "--nproc=N"). argv is a subcommand's (argv[0] = "ilf NAME").
std::vector<std::string> RankCommandLine(const std::string& subcommand, int argc, char** argv,
                                         const std::vector<std::string>& drop);

// Runs `nproc` ranks of `args` (args[0] is ignored: the ranks run this binary) as described above
// and returns the exit status (0 when every rank succeeded). `extra_env` ("NAME=value") is added
// to every rank's environment. Throws ilf::Error when WORLD_SIZE is set already (a launcher inside
// torchrun) or a process cannot be started.
int RunLocalRanks(int nproc, const std::vector<std::string>& args,
                  const std::vector<std::string>& extra_env = {});

}  // namespace ilf
