// What is wrong with a path given as a model checkpoint directory, said before anything else is
// read from it (a missing checkpoint would otherwise surface as a missing tokenizer or config).
// No torch dependency.
#pragma once

#include <string>

namespace ilf::lm {

// Throws ilf::Error saying what is wrong when `path` is not a checkpoint directory (one holding
// config.json): it does not exist, is a file (a .safetensors file is named as such), is empty, or
// only holds checkpoints in subfolders ("no config.json in RUN; the checkpoint is in RUN/model",
// a finetune run's folder).
void RequireCheckpointDir(const std::string& path);

}  // namespace ilf::lm
