#include "runner/round/selection.h"

#include <random>

#include "src/core/error.h"
#include "src/core/jsonl.h"

namespace ilf::round {

std::optional<size_t> ChooseCandidate(const std::vector<Candidate>& candidates,
                                      const std::string& rule, uint64_t seed,
                                      const std::string& task_id) {
  if (rule != "random" && rule != "shortest" && rule != "most_likely")
    throw Error("selection rule '" + rule + "' is not one of random, shortest, most_likely");
  if (candidates.empty()) return std::nullopt;
  size_t best = 0;
  if (rule == "random") {
    // The task's own stream: a pure function of (seed, task id).
    std::string key = HashJson(Json::array({seed, task_id}));
    std::mt19937_64 rng(std::stoull(key, nullptr, 16));
    return static_cast<size_t>(rng() % candidates.size());  // portable across libraries
  }
  for (size_t i = 1; i < candidates.size(); ++i) {
    bool better = rule == "shortest" ? candidates[i].length < candidates[best].length
                                     : candidates[i].logprob > candidates[best].logprob;
    if (better) best = i;
  }
  return best;
}

}  // namespace ilf::round
