// The end-of-round table (tasks, samples, pass rate, feedback, refinements, selected pairs, pass@k
// before and after, time per stage) from a run manifest, as `ilf round` prints it and the report
// shows it. Torch-free.
#pragma once

#include <string>

#include "src/core/jsonl.h"

namespace ilf::round {

std::string FormatRoundTable(const Json& manifest, int round);

}  // namespace ilf::round
