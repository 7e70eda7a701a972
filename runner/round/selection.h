// Choosing one refinement per task among the correct ones (DESIGN.md §1): pure functions, tested
// table-driven in tests/runner/round_selection_test.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ilf::round {

struct Candidate {
  size_t length = 0;   // the refinement's length in bytes
  double logprob = 0;  // its log-probability under the refiner
};

// The index of the chosen candidate, or nullopt when there is none.
//   "random": uniform, seeded by (seed, task_id) — the same task gets the same choice whatever the
//             other tasks are; "shortest": fewest bytes, the first on ties; "most_likely": highest
//             log-probability, the first on ties.
// Throws ilf::Error for another rule.
std::optional<size_t> ChooseCandidate(const std::vector<Candidate>& candidates,
                                      const std::string& rule, uint64_t seed,
                                      const std::string& task_id);

}  // namespace ilf::round
