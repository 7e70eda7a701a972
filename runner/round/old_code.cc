#include "runner/round/old_code.h"

#include <vector>

namespace ilf::round {

std::string CutToTokenBudget(const std::string& program, int64_t max_tokens,
                             const std::function<size_t(const std::string&)>& count_tokens) {
  auto fits = [&](const std::string& text) {
    size_t n = count_tokens ? count_tokens(text) : text.size();
    return static_cast<int64_t>(n) <= max_tokens;
  };
  if (fits(program)) return program;
  std::vector<size_t> ends;  // prefix lengths that end a line
  for (size_t i = 0; i < program.size(); ++i) {
    if (program[i] == '\n') ends.push_back(i + 1);
  }
  // Token counts grow with the prefix: binary search for the longest one that fits.
  size_t lo = 0, hi = ends.size();  // the answer is ends[lo - 1], or "" when lo == 0
  while (lo < hi) {
    size_t mid = (lo + hi + 1) / 2;
    if (fits(program.substr(0, ends[mid - 1]))) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo == 0 ? "" : program.substr(0, ends[lo - 1]);
}

}  // namespace ilf::round
