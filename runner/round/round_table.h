// The end-of-round table (tasks, samples, pass rate, feedback, refinements, selected pairs, the
// adapter's headline metrics before and after, time per stage) from a run manifest, as `ilf round`
// prints it and the report shows it. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "src/core/jsonl.h"

namespace ilf::round {

std::string FormatRoundTable(const Json& manifest, int round);

// The metrics an evaluation stage's counts put forward: the names its "headline" list holds
// (written by TaskAdapter::Evaluate), or, for counts without one (older runs), its "pass@k" keys.
// Names whose value is neither a number nor null are left out (artifacts are outside input).
std::vector<std::string> HeadlineMetrics(const Json& counts);

}  // namespace ilf::round
