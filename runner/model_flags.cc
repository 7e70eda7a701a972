#include "runner/model_flags.h"

#include <filesystem>

#include "runner/remote_flags.h"
#include "src/lm/checkpoint_dir.h"

namespace ilf {

void AddModelFlags(CLI::App& app, ModelFlags* flags) {
  app.add_option("--model", flags->model_dir,
                 "checkpoint directory (config.json + *.safetensors), or an OpenAI-compatible "
                 "endpoint http(s)://HOST:PORT/v1 (vLLM, SGLang, ilf serve; key from ILF_API_KEY)")
      ->required();
  app.add_option("--tokenizer", flags->tokenizer_dir, "tokenizer directory (default: --model)");
  app.add_option("--device", flags->load.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  app.add_option("--dtype", flags->load.dtype, "auto, float32, bfloat16, float16")
      ->capture_default_str();
  app.add_option("--threads", flags->load.threads, "CPU threads (0 = all cores)")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  AddRemoteFlags(app, &flags->load.remote);
}

void AddSamplingFlags(CLI::App& app, lm::GenerateOptions* gen) {
  app.add_option("--n", gen->n, "samples per prompt (they share one prefill)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--temperature", gen->temperature, "0 = greedy")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax));
  app.add_option("--top-p", gen->top_p, "nucleus mass; 1 = off")
      ->capture_default_str()
      ->check(RealBetween(0, 1, /*open_min=*/true));
  app.add_option("--max-new-tokens", gen->max_new_tokens,
                 "tokens per sample at most (prompt + this must fit the model's "
                 "max_position_embeddings)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--seed", gen->seed, "fixes every sampled token")->capture_default_str();
  app.add_option("--batch-rows", gen->max_batch_rows, "prompts x samples decoded together")
      ->capture_default_str()
      ->check(IntAtLeast(1));
}

std::unique_ptr<lm::Tokenizer> LoadTokenizer(const ModelFlags& flags) {
  namespace fs = std::filesystem;
  // What is wrong with --model is said first: a missing checkpoint would otherwise read as a
  // missing tokenizer ("a text prompt needs a tokenizer").
  if (!lm::IsRemoteModel(flags.model_dir)) lm::RequireCheckpointDir(flags.model_dir);
  std::string dir = flags.tokenizer_dir;
  if (dir.empty() && !lm::IsRemoteModel(flags.model_dir) &&
      (fs::exists(fs::path(flags.model_dir) / "tokenizer.json") ||
       fs::exists(fs::path(flags.model_dir) / "vocab.json"))) {
    dir = flags.model_dir;
  }
  if (dir.empty()) return nullptr;
  return std::make_unique<lm::Tokenizer>(lm::Tokenizer::Load(dir));
}

std::string JournalPath(const ModelFlags& flags, const std::string& default_journal) {
  if (!lm::IsRemoteModel(flags.model_dir)) return "";
  return flags.load.remote.journal_path.empty() ? default_journal : flags.load.remote.journal_path;
}

std::unique_ptr<lm::LanguageModel> LoadModel(const ModelFlags& flags,
                                             const std::string& default_journal) {
  lm::LoadOptions load = flags.load;
  load.remote.tokenizer_dir = flags.tokenizer_dir;
  load.remote.journal_path = JournalPath(flags, default_journal);
  return lm::LoadLanguageModel(flags.model_dir, load);
}

}  // namespace ilf
