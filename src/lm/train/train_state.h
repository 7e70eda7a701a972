// The side files of a finetuning run: training state for resume, checkpoint discovery and pruning,
// and the metrics log.
//
// A checkpoint directory OUT/checkpoint-<step, 8 digits>/ holds, besides the HF model files:
//   training_state.json   {"schema": "ilf.train_state", "version": 1, "step": N, "resume_key":
//   {...}} optimizer.safetensors AdamW moments by parameter name ("exp_avg/<name>", ..., "step")
//   lora.safetensors      LoRA A/B (LoRA runs only; the model files hold the merged weights)
// The data order needs no saving: it is a pure function of (seed, epoch) (see batching.h).
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

namespace ilf::lm {

inline constexpr const char* kTrainStateFile = "training_state.json";
inline constexpr const char* kOptimizerFile = "optimizer.safetensors";
inline constexpr const char* kLoraFile = "lora.safetensors";

// OUT/checkpoint-00000012.
std::string CheckpointDir(const std::string& out_dir, int64_t step);

// The complete checkpoint with the highest step in out_dir, if any.
std::optional<std::pair<int64_t, std::string>> LatestCheckpoint(const std::string& out_dir);

// Removes all but the newest `keep` checkpoints (keep <= 0 keeps all).
void PruneCheckpoints(const std::string& out_dir, int64_t keep);

// Reads training_state.json of a checkpoint; throws ilf::Error naming the file when it is missing,
// malformed, of another schema or when its resume_key differs from `expected_key` (naming the
// settings that changed).
int64_t ReadTrainingStep(const std::string& checkpoint_dir, const nlohmann::json& expected_key);

// All tensors of a safetensors file, copied to the CPU.
std::map<std::string, torch::Tensor> ReadTensors(const std::string& path);

// OUT/metrics.jsonl: a header record then one JSON record per optimizer step, flushed as written so
// it can be plotted live. When resuming from `resume_step`, records of later steps (redone now) are
// dropped first. Copying is deleted.
class MetricsLog {
 public:
  MetricsLog(const std::string& path, std::optional<int64_t> resume_step);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  void Write(const nlohmann::json& record);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace ilf::lm
