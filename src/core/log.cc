#include "src/core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace ilf {
namespace {

std::atomic<int>& Threshold() {
  static std::atomic<int> threshold{static_cast<int>(LogLevel::kInfo)};
  return threshold;
}

std::mutex& Mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

void SetLogLevel(LogLevel level) { Threshold() = static_cast<int>(level); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(Threshold().load()); }

void LogLine(LogLevel level, std::string_view text) {
  static const char* const kNames[] = {"debug", "info", "warning", "error"};
  std::lock_guard<std::mutex> lock(Mutex());
  std::fprintf(stderr, "ilf: [%s] %.*s\n", kNames[static_cast<int>(level)], static_cast<int>(text.size()),
               text.data());
  std::fflush(stderr);
}

}  // namespace ilf
