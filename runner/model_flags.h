// Flags every command that loads a model shares (--model, --tokenizer, --device, --dtype,
// --threads), and the tokenizer they name.
#pragma once

#include <memory>
#include <string>

#include "runner/cli.h"
#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"

namespace ilf {

struct ModelFlags {
  std::string model_dir;      // checkpoint directory (config.json + *.safetensors)
  std::string tokenizer_dir;  // tokenizer files; empty: the model directory's own, if any
  lm::LoadOptions load;       // device, dtype, CPU threads
};

// Adds the flags to `app`; --model is required.
void AddModelFlags(CLI::App& app, ModelFlags* flags);

// The tokenizer of --tokenizer, else of the model directory when it holds tokenizer files;
// nullptr when neither does (commands then need token ids in their input).
std::unique_ptr<lm::Tokenizer> LoadTokenizer(const ModelFlags& flags);

}  // namespace ilf
