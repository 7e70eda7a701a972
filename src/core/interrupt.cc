#include "src/core/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace ilf {
namespace {

std::atomic<int> g_interrupts{0};  // written only by the signal handler

void OnSignal(int) {
  if (g_interrupts.fetch_add(1) >= 1) _exit(130);
}

}  // namespace

void InstallInterruptHandler() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool InterruptRequested() { return g_interrupts.load() > 0; }

void ThrowIfInterrupted() {
  if (InterruptRequested()) throw Interrupted();
}

}  // namespace ilf
