// Hugging Face-layout checkpoints, written so that a crash never leaves a loadable wrong one.
//
// Theory of operation. SaveCheckpoint builds the whole directory under a staging name beside the
// target ("<dir>.tmp-<pid>"): config.json, the weights (model.safetensors, or shards
// model-00001-of-0000N.safetensors plus model.safetensors.index.json when they exceed the shard
// size), the tokenizer files copied from the source model, and any extra files (the training
// state). Every file is fsynced, then the staging directory, then it is renamed to the target and
// the parent fsynced. A crash or exception before the rename leaves only the staging directory,
// which no loader looks at (the next save or RemoveStaleStaging removes it); after the rename the
// checkpoint is complete. Replacing an existing directory renames the old one aside first, so for
// an instant the target may be absent but is never partly new.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "src/lm/model_config.h"

namespace ilf::lm {

struct SaveOptions {
  int64_t max_shard_bytes = int64_t{4096} << 20;  // weights above this are split into shards
  std::string tokenizer_dir;                      // copy tokenizer files from here ("" = none)
  // Writes extra files into the staging directory (its path is the argument) before the commit.
  std::function<void(const std::string& staging_dir)> write_extra;
  // Test hook: called after each weights file is written (a throw simulates a crash mid-save).
  std::function<void(const std::string& file)> after_weights_file;
};

// Writes `weights` (Hugging Face names) and `config` (its raw JSON, with dtype set to the weights'
// dtype) as a checkpoint directory `dir`, atomically as described above. Throws ilf::Error on I/O
// failure, leaving any previous `dir` in place.
void SaveCheckpoint(const std::string& dir, const ModelConfig& config,
                    const std::vector<std::pair<std::string, torch::Tensor>>& weights,
                    const SaveOptions& options);

// The tokenizer and generation files copied with a checkpoint, when the source has them.
const std::vector<std::string>& TokenizerFileNames();

// Removes "<dir>.tmp-*" / "<dir>.old-*" leftovers of crashed saves under `parent`.
void RemoveStaleStaging(const std::string& parent);

// fsyncs a file or directory; throws ilf::Error naming it on failure.
void SyncPath(const std::string& path);

}  // namespace ilf::lm
