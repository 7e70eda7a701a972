#include "runner/model_flags.h"

#include <filesystem>

namespace ilf {

void AddModelFlags(CLI::App& app, ModelFlags* flags) {
  app.add_option("--model", flags->model_dir, "checkpoint directory (config.json + *.safetensors)")
      ->required();
  app.add_option("--tokenizer", flags->tokenizer_dir, "tokenizer directory (default: --model)");
  app.add_option("--device", flags->load.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--dtype", flags->load.dtype, "auto, float32, bfloat16, float16")
      ->capture_default_str();
  app.add_option("--threads", flags->load.threads, "CPU threads (0 = all cores)")
      ->capture_default_str();
}

std::unique_ptr<lm::Tokenizer> LoadTokenizer(const ModelFlags& flags) {
  namespace fs = std::filesystem;
  std::string dir = flags.tokenizer_dir;
  if (dir.empty() && (fs::exists(fs::path(flags.model_dir) / "tokenizer.json") ||
                      fs::exists(fs::path(flags.model_dir) / "vocab.json"))) {
    dir = flags.model_dir;
  }
  if (dir.empty()) return nullptr;
  return std::make_unique<lm::Tokenizer>(lm::Tokenizer::Load(dir));
}

}  // namespace ilf
