// The task adapters a round config can name ("task"), and how one is made.
#pragma once

#include <memory>

#include "runner/round/config.h"
#include "runner/round/task_adapter.h"

namespace ilf::round {

// The adapter of config.task ("code", "summarization"); throws ilf::Error naming the known kinds
// for another.
std::unique_ptr<TaskAdapter> MakeTaskAdapter(const RoundConfig& config);

}  // namespace ilf::round
