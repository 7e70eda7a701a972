// What every adapter that writes feedback/'s ilf.feedback artifacts shares: the tasks of a checks
// file that need feedback, and the feedback file read back as the refine stage's items.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "runner/round/task_adapter.h"

namespace ilf::round {

// Task ids of an ilf.results file (Check records) without a passing output.
std::set<std::string> TasksNeedingFeedback(const std::string& checks_path);

// The records of an ilf.feedback file as FeedbackItems, in file order (a record with `error` set
// becomes an item with empty feedback). Throws ilf::Error naming file:line.
std::vector<FeedbackItem> ReadFeedbackItems(const std::string& path);

}  // namespace ilf::round
