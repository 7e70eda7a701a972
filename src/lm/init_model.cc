#include "src/lm/init_model.h"

#include <filesystem>

#include <fmt/format.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/log.h"
#include "src/lm/device.h"
#include "src/lm/safetensors_writer.h"
#include "src/lm/weights.h"

namespace ilf::lm {
namespace fs = std::filesystem;

namespace {

void CopyFileAtomically(const fs::path& from, const fs::path& to) {
  WriteFileAtomically(to.string(), ReadFile(from.string()));
}

}  // namespace

int64_t InitModel(const InitModelOptions& options) {
  ModelConfig config = LoadModelConfig(options.config_path);
  torch::ScalarType dtype = ParseDtype(options.dtype);
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec)
    throw Error(fmt::format("{}: cannot create directory: {}", options.out_dir, ec.message()));

  std::vector<std::string> tokenizer_files;
  if (!options.tokenizer_dir.empty()) {
    for (const char* name : {"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
                             "special_tokens_map.json", "added_tokens.json"}) {
      if (fs::exists(fs::path(options.tokenizer_dir) / name)) tokenizer_files.push_back(name);
    }
    if (tokenizer_files.empty()) {
      throw Error(
          fmt::format("{}: no tokenizer files (vocab.json, merges.txt, tokenizer.json) in "
                      "--tokenizer",
                      options.tokenizer_dir));
    }
  }

  torch::NoGradGuard no_grad;
  std::shared_ptr<CausalLmImpl> model =
      MakeCausalLm(config, torch::TensorOptions().dtype(torch::kFloat));
  InitWeights(*model, options.seed);
  std::vector<std::pair<std::string, torch::Tensor>> weights = NamedWeights(*model);
  int64_t parameters = 0;
  for (auto& [name, tensor] : weights) {
    parameters += tensor.numel();
    tensor = tensor.to(dtype);
  }
  fs::path out(options.out_dir);
  WriteSafetensors((out / "model.safetensors").string(), weights);
  // config.json unchanged (so every field a tool may need survives).
  std::string config_file = fs::is_directory(options.config_path)
                                ? (fs::path(options.config_path) / "config.json").string()
                                : options.config_path;
  if (fs::absolute(config_file) != fs::absolute(out / "config.json")) {
    CopyFileAtomically(config_file, out / "config.json");
  }
  fs::path generation_config = fs::path(config_file).parent_path() / "generation_config.json";
  if (fs::exists(generation_config) &&
      fs::absolute(generation_config) != fs::absolute(out / "generation_config.json")) {
    CopyFileAtomically(generation_config, out / "generation_config.json");
  }
  for (const std::string& name : tokenizer_files) {
    CopyFileAtomically(fs::path(options.tokenizer_dir) / name, out / name);
  }
  LogInfo("init-model: {} ({} parameters, seed {}, {}) -> {}", config.architecture, parameters,
          options.seed, options.dtype, options.out_dir);
  return parameters;
}

}  // namespace ilf::lm
