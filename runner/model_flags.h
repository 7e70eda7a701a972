// Flags every command that loads a model shares (--model, --tokenizer, --device, --dtype,
// --threads, and for an OpenAI-compatible endpoint --model-name, --concurrency, --max-retries,
// --request-timeout, --request-journal), and the tokenizer and model they name.
#pragma once

#include <memory>
#include <string>

#include "runner/cli.h"
#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"

namespace ilf {

struct ModelFlags {
  std::string model_dir;      // checkpoint directory, or http(s)://HOST:PORT/v1
  std::string tokenizer_dir;  // tokenizer files; empty: the model directory's own, if any
  lm::LoadOptions load;       // device, dtype, CPU threads; remote options for an endpoint
};

// Adds the flags to `app`; --model is required.
void AddModelFlags(CLI::App& app, ModelFlags* flags);

// Adds --n, --temperature, --top-p, --max-new-tokens, --seed and --batch-rows (range-checked) of
// the commands that sample (generate, refine).
void AddSamplingFlags(CLI::App& app, lm::GenerateOptions* gen);

// The tokenizer of --tokenizer, else of the model directory when it holds tokenizer files;
// nullptr when neither does (commands then need token ids in their input).
std::unique_ptr<lm::Tokenizer> LoadTokenizer(const ModelFlags& flags);

// Loads --model: a checkpoint directory in process, or the remote engine of an endpoint, whose
// answers are journaled in --request-journal, else in `default_journal` (when not empty), so a
// rerun of an interrupted command asks only for what is missing.
std::unique_ptr<lm::LanguageModel> LoadModel(const ModelFlags& flags,
                                             const std::string& default_journal = "");

// The journal LoadModel uses for `default_journal` ("" for a checkpoint directory): a command
// removes it once its output is complete.
std::string JournalPath(const ModelFlags& flags, const std::string& default_journal);

}  // namespace ilf
