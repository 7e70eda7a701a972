// `ilf init-model`: a randomly initialised model of a given config.json, saved in Hugging Face
// layout (config.json, model.safetensors, generation_config.json and tokenizer files when given),
// loadable by ilf and by transformers. For tests, benchmarks and smoke runs. Torch-free header.
#pragma once

#include <cstdint>
#include <string>

namespace ilf::lm {

struct InitModelOptions {
  std::string config_path;    // a config.json (or a directory holding one)
  std::string out_dir;        // created if needed; existing files of the same names are replaced
  std::string tokenizer_dir;  // "" = none; else vocab.json/merges.txt/tokenizer*.json are copied
  uint64_t seed = 0;          // same seed and config -> identical weights
  std::string dtype = "float32";  // stored dtype: float32, bfloat16, float16
};

// Throws ilf::Error for a bad config, a tokenizer directory without tokenizer files, or I/O errors.
// Returns the number of parameters written.
int64_t InitModel(const InitModelOptions& options);

}  // namespace ilf::lm
