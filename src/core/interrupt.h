// Ctrl-C handling. main() installs the handler; long loops call ThrowIfInterrupted() between items so
// the stack unwinds (atomic writers discard their temporaries) and main exits with code 130.
// A second Ctrl-C exits at once.
#pragma once

#include <stdexcept>

namespace ilf {

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

void InstallInterruptHandler();
bool InterruptRequested();
void ThrowIfInterrupted();
// A descriptor that becomes readable (and stays so) once an interrupt arrives, for code that
// blocks in poll() and must stop promptly (the sandbox pool). -1 before InstallInterruptHandler.
int InterruptFd();

}  // namespace ilf
