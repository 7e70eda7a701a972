// Refinement: N refinements per feedback item with π_Refine, the work of `ilf refine` and of a
// round's stage 4. The prompt of an item is the adapter's RefinementPrompt (code: Chen et al.'s
// OLD CODE/FEEDBACK/REFINEMENT with the old program cut to 512 tokens); the N refinements of an
// item share one prefill; items are batched together; completions are cut like initial samples.
#pragma once

#include <functional>
#include <vector>

#include "runner/round/generation.h"
#include "runner/round/task_adapter.h"

namespace ilf::round {

// Refinements of `items` in item order, N (options.n) per usable item (items whose feedback is
// empty are skipped; `skipped` counts them). Each Output keeps task_id, parent_sample_id (the
// item's sample_id), feedback_id, and sample_id "{feedback_id}#{j}".
std::vector<Output> Refine(TaskAdapter& adapter, TextModel& model,
                           const std::vector<FeedbackItem>& items,
                           const lm::GenerateOptions& options,
                           const std::function<void(int64_t)>& on_done = nullptr,
                           size_t* skipped = nullptr);

}  // namespace ilf::round
