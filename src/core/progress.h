// Progress of long work: items done/total, rate, ETA.
//
// On a terminal (stderr is a TTY) one status line is redrawn at most ten times a second; otherwise
// a plain log line is written every `log_interval_s` seconds and once at the end (unless the last
// periodic line already showed the final count: a log has no line to redraw). Thread-safe:
// workers may call Advance() concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace ilf {

class Progress {
 public:
  Progress(std::string label, int64_t total, double log_interval_s = 10.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Advance(int64_t n = 1);
  // Prints the final line (also done by the destructor if not called).
  void Finish();

 private:
  void Print(bool final_line);

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  int64_t printed_done_ = -1;  // done_ at the last line printed; -1 = none yet
  double log_interval_s_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  std::mutex mutex_;
};

// "1:02:03" or "2:03" for a duration in seconds.
std::string FormatDuration(double seconds);

// "eval 40/200 (8.0/s, 0:05 elapsed, ETA 0:20)". Under 0.1 s of elapsed time there is no rate or
// ETA worth showing (work that finished at once would claim millions per second).
std::string FormatProgress(const std::string& label, int64_t done, int64_t total, double elapsed_s);

}  // namespace ilf
