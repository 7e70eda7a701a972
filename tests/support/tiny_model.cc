#include "tests/support/tiny_model.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"

namespace ilf::testing {

std::string MakeTinyGpt2(const ScratchDir& dir, const std::string& name,
                         const TinyGpt2Options& options) {
  std::string gpt2 = FindData("tokenizers/gpt2");
  if (gpt2.empty()) return "";
  std::string config =
      dir.Write(name + "-config.json",
                fmt::format(R"({{
      "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 50257,
      "n_embd": {}, "n_layer": {}, "n_head": {}, "n_positions": {}, "n_inner": null,
      "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05, "initializer_range": 0.02,
      "bos_token_id": 50256, "eos_token_id": 50256, "tie_word_embeddings": true}})",
                            options.n_embd, options.n_layer, options.n_head, options.n_positions));
  std::string model = dir.path() + "/" + name;
  CommandResult r =
      RunCommand(IlfBinary() + " init-model --config " + config + " --out " + model +
                 " --tokenizer " + gpt2 + " --seed " + std::to_string(options.seed) + " 2>&1");
  if (r.exit_code != 0) {
    ADD_FAILURE() << "ilf init-model failed: " << r.output;
    return "";
  }
  return model;
}

std::string WithMaxPositions(const ScratchDir& dir, const std::string& model_dir,
                             const std::string& name, int64_t positions) {
  namespace fs = std::filesystem;
  if (model_dir.empty()) return "";
  fs::path copy = fs::path(dir.path()) / name;
  fs::create_directories(copy);
  for (const fs::directory_entry& entry : fs::directory_iterator(model_dir)) {
    if (entry.path().filename() != "config.json") {
      fs::create_symlink(fs::absolute(entry.path()), copy / entry.path().filename());
    }
  }
  nlohmann::json config = nlohmann::json::parse(ReadFile(model_dir + "/config.json"));
  config["max_position_embeddings"] = positions;
  WriteFileAtomically((copy / "config.json").string(), config.dump(2));
  return copy.string();
}

}  // namespace ilf::testing
