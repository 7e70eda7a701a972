#include "src/core/progress.h"

#include <unistd.h>

#include <cstdio>

#include "src/core/log.h"

namespace ilf {

std::string FormatDuration(double seconds) {
  if (seconds < 0 || seconds > 1e8) return "?";
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  char out[32];
  if (s >= 3600) {
    std::snprintf(out, sizeof out, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(out, sizeof out, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return out;
}

Progress::Progress(std::string label, int64_t total, double log_interval_s)
    : label_(std::move(label)),
      total_(total),
      log_interval_s_(log_interval_s),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Advance(int64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += n;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_print_).count();
  if (since >= (tty_ ? 0.1 : log_interval_s_)) {
    last_print_ = now;
    Print(false);
  }
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  // On a terminal the final line ends the redrawn one; in a log it would repeat the last line.
  if (tty_ || done_ != printed_done_) Print(true);
}

std::string FormatProgress(const std::string& label, int64_t done, int64_t total,
                           double elapsed_s) {
  if (elapsed_s < 0.1) {
    return fmt::format("{} {}/{} ({} elapsed)", label, done, total, FormatDuration(elapsed_s));
  }
  double rate = done / elapsed_s;
  std::string eta = total <= done ? "0:00" : rate > 0 ? FormatDuration((total - done) / rate) : "?";
  return fmt::format("{} {}/{} ({:.1f}/s, {} elapsed, ETA {})", label, done, total, rate,
                     FormatDuration(elapsed_s), eta);
}

void Progress::Print(bool final_line) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = FormatProgress(label_, done_, total_, elapsed);
  printed_done_ = done_;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    LogInfo("{}", line);
  }
}

}  // namespace ilf
