#include "src/lm/train/data_parallel.h"

#include <map>
#include <string>

#include "src/core/error.h"
#include "src/lm/train/batching.h"

namespace ilf::lm {

RankShare ShareStep(const std::vector<TrainExample>& examples,
                    const std::vector<std::vector<int64_t>>& plan, int64_t first, int64_t last,
                    int rank, int world_size) {
  ILF_CHECK(0 <= first && first < last && last <= static_cast<int64_t>(plan.size()),
            "step outside the epoch's plan");
  ILF_CHECK(0 <= rank && rank < world_size, "rank outside the world");
  RankShare share;
  for (int64_t b = first; b < last; ++b) {
    share.step_target_tokens += CountTargetTokens(examples, plan[b]);
    if ((b - first) % world_size == rank) share.micro_batches.push_back(plan[b]);
  }
  return share;
}

int64_t SyncStartState(ProcessGroup& group, int64_t start_step, AdamW& optimizer) {
  torch::NoGradGuard no_grad;
  const torch::Device device = optimizer.params().front().second.device();
  torch::Tensor step = torch::tensor({start_step}, torch::kInt64).to(device);
  std::vector<torch::Tensor> tensors{step};
  for (const auto& [name, p] : optimizer.params()) tensors.push_back(p);
  NamedTensors state = optimizer.StateTensors();  // the moments themselves, and a copy of "step"
  std::map<std::string, torch::Tensor> by_name;
  for (auto& [name, t] : state) {
    if (name == "step") t = t.to(device);
    tensors.push_back(t);
    by_name[name] = t;
  }
  group.Broadcast(tensors, /*root=*/0);
  optimizer.LoadState(by_name, "rank 0's optimizer state");
  return step.item<int64_t>();
}

}  // namespace ilf::lm
