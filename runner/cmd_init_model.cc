// `ilf init-model`: a randomly initialised model of a config, saved in Hugging Face layout.
#include "runner/cli.h"
#include "runner/commands.h"
#include "src/lm/init_model.h"

namespace ilf {

int RunInitModel(int argc, char** argv) {
  CLI::App app{
      "Write a randomly initialised model (Hugging Face's init: normal(0, initializer_range) "
      "weights, zero biases, unit norms), seeded, as DIR/config.json + DIR/model.safetensors "
      "(+ generation_config.json beside the config and tokenizer files when given). For tests, "
      "benchmarks and smoke runs.",
      "ilf init-model"};
  lm::InitModelOptions options;
  app.add_option("--config", options.config_path, "config.json (or a directory holding one)")
      ->required();
  app.add_option("--out", options.out_dir, "output directory")->required();
  app.add_option("--tokenizer", options.tokenizer_dir,
                 "directory whose tokenizer files are copied in");
  app.add_option("--seed", options.seed, "random seed (same seed, same weights)")
      ->capture_default_str();
  app.add_option("--dtype", options.dtype, "stored dtype: float32, bfloat16, float16")
      ->capture_default_str();
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  lm::InitModel(options);
  return 0;
}

}  // namespace ilf
