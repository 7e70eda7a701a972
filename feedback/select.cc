// SelectIncorrect (run_feedback.h): which incorrect programs of which tasks get feedback.
#include <algorithm>
#include <map>
#include <set>

#include "feedback/run_feedback.h"
#include "src/core/hash.h"

namespace ilf::feedback {
namespace {

}  // namespace

std::vector<size_t> SelectIncorrect(const std::vector<std::string>& task_ids,
                                    const std::vector<std::string>& sample_ids,
                                    const std::vector<std::string>& verdicts, int64_t per_task,
                                    uint64_t seed, size_t* tasks_skipped_passing) {
  std::set<std::string> passing;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (verdicts[i] == "PASS") passing.insert(task_ids[i]);
  }
  // task -> (key, index) of its candidates; the smallest keys win.
  std::map<std::string, std::vector<std::pair<uint64_t, size_t>>> candidates;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (passing.count(task_ids[i]) || verdicts[i] == "PASS" || verdicts[i] == "SANDBOX_ERROR") {
      continue;
    }
    uint64_t key = SplitMix64(seed ^ Fnv1a(sample_ids[i], Fnv1a(task_ids[i] + '\0')));
    candidates[task_ids[i]].push_back({key, i});
  }
  std::vector<size_t> chosen;
  for (auto& [task, list] : candidates) {
    std::sort(list.begin(), list.end());
    size_t take =
        std::min<size_t>(list.size(), static_cast<size_t>(std::max<int64_t>(per_task, 0)));
    for (size_t j = 0; j < take; ++j) chosen.push_back(list[j].second);
  }
  std::sort(chosen.begin(), chosen.end());
  if (tasks_skipped_passing != nullptr) *tasks_skipped_passing = passing.size();
  return chosen;
}

}  // namespace ilf::feedback
