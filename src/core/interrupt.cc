#include "src/core/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace ilf {
namespace {

std::atomic<int> g_interrupts{0};  // written only by the signal handler
int g_pipe[2] = {-1, -1};          // self-pipe: the handler writes one byte, never read

void OnSignal(int) {
  if (g_interrupts.fetch_add(1) >= 1) _exit(130);
  if (g_pipe[1] >= 0) {
    char byte = 1;
    (void)!write(g_pipe[1], &byte, 1);
  }
}

}  // namespace

void InstallInterruptHandler() {
  if (g_pipe[0] < 0 && pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_pipe[0] = g_pipe[1] = -1;
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool InterruptRequested() { return g_interrupts.load() > 0; }

int InterruptFd() { return g_pipe[0]; }

void ThrowIfInterrupted() {
  if (InterruptRequested()) throw Interrupted();
}

}  // namespace ilf
