#include "tasks/pass_at_k.h"

#include <algorithm>
#include <climits>

#include "src/core/error.h"

namespace ilf::tasks {

double PassAtK(int64_t n, int64_t c, int64_t k) {
  ILF_CHECK(0 <= c && c <= n && 1 <= k && k <= n, "pass@k needs 0 <= c <= n and 1 <= k <= n");
  if (n - c < k) return 1.0;
  double failure = 1.0;  // C(n-c, k) / C(n, k)
  for (int64_t i = n - c + 1; i <= n; ++i) failure *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - failure;
}

std::vector<PassAtKResult> MeanPassAtK(const std::vector<TaskCounts>& tasks, const std::vector<int64_t>& ks) {
  std::vector<PassAtKResult> results;
  for (int64_t k : ks) {
    PassAtKResult result;
    result.k = k;
    double sum = 0;
    int64_t min_n = INT64_MAX;
    for (const TaskCounts& task : tasks) {
      if (task.n == 0) continue;
      min_n = std::min(min_n, task.n);
      if (task.n < k) {
        ++result.tasks_below_k;
        continue;
      }
      sum += PassAtK(task.n, task.c, k);
      ++result.tasks;
    }
    if (result.tasks_below_k > 0) {
      result.note = "k=" + std::to_string(k) + " > n for " + std::to_string(result.tasks_below_k) +
                    " tasks (min n = " + std::to_string(min_n) + ")";
      result.tasks = 0;
    } else if (result.tasks > 0) {
      result.value = sum / static_cast<double>(result.tasks);
    } else {
      result.note = "no samples";
    }
    results.push_back(result);
  }
  return results;
}

}  // namespace ilf::tasks
