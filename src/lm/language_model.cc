#include "src/lm/language_model.h"

#include <filesystem>

#include <fmt/format.h>
#include <torch/cuda.h>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/core/log.h"
#include "src/lm/checkpoint_dir.h"
#include "src/lm/device.h"
#include "src/lm/generate.h"
#include "src/lm/remote_model.h"
#include "src/lm/score.h"
#include "src/lm/threads.h"
#include "src/lm/weights.h"

namespace ilf::lm {
namespace {

// generation_config.json's eos ids when present (instruct models list their chat end token there).
std::vector<int64_t> EosIds(const std::string& dir, const ModelConfig& config) {
  std::string path = (std::filesystem::path(dir) / "generation_config.json").string();
  if (std::filesystem::exists(path)) {
    nlohmann::json json = ReadJsonFile(path);
    if (json.is_object() && json.contains("eos_token_id")) {
      const nlohmann::json& eos = json["eos_token_id"];
      if (eos.is_number_integer()) return {eos.get<int64_t>()};
      if (eos.is_array()) {
        std::vector<int64_t> ids;
        for (const auto& id : eos) {
          if (id.is_number_integer()) ids.push_back(id.get<int64_t>());
        }
        if (!ids.empty()) return ids;
      }
    }
  }
  return config.eos_token_ids;
}

// Work past the positions a model was trained for is refused for every family (GPT-2's learned
// positions cannot go further; RoPE models would run on without a word). `what` names the prompt
// or request.
Error PastPositions(const ModelConfig& config, const std::string& dir, const std::string& what,
                    int64_t positions, const std::string& hint) {
  return Error(
      fmt::format("{}: {} positions, past the model's max_position_embeddings {} "
                  "({}/config.json); {}",
                  what, positions, config.max_position_embeddings, dir, hint));
}

class TorchLanguageModel : public LanguageModel {
 public:
  TorchLanguageModel(const std::string& dir, const LoadOptions& options) {
    ConfigureCpuThreads(options.threads);
    ModelConfig config = LoadModelConfig(dir);
    torch::TensorOptions tensor_options =
        ResolveTensorOptions(options.device, options.dtype, config);
    model_ = LoadCausalLm(dir, tensor_options);
    info_.path = dir;
    info_.architecture = config.architecture;
    info_.vocab_size = config.vocab_size;
    for (const auto& p : model_->parameters()) info_.parameters += p.numel();
    info_.eos_token_ids = EosIds(dir, config);
    info_.device = tensor_options.device().str();
    info_.dtype = DtypeName(tensor_options.dtype().toScalarType());
    LogInfo("loaded {} ({}, {:.1f}M parameters) on {} in {}", dir, info_.architecture,
            info_.parameters / 1e6, info_.device, info_.dtype);
  }

  std::vector<Sample> Generate(const std::vector<std::vector<int64_t>>& prompts,
                               const GenerateOptions& options, const StopFn& stop,
                               const ProgressFn& progress) override {
    GenerationConfig config;
    config.num_samples = options.n;
    config.max_new_tokens = options.max_new_tokens;
    config.sampling = {options.temperature, options.top_k, options.top_p};
    config.seed = options.seed;
    config.prompt_seeds = options.prompt_seeds;
    if (!options.prompt_seeds.empty() && options.prompt_seeds.size() != prompts.size()) {
      throw Error(fmt::format("prompt_seeds: {} seeds for {} prompts", options.prompt_seeds.size(),
                              prompts.size()));
    }
    if (!options.ignore_eos) {
      config.eos_token_ids =
          options.eos_token_ids.empty() ? info_.eos_token_ids : options.eos_token_ids;
    }
    config.pad_token_id = model_->config().pad_token_id.value_or(0);
    config.max_batch_rows = options.max_batch_rows;
    if (options.n < 1) throw Error(fmt::format("n is {}, expected >= 1", options.n));
    if (options.temperature < 0 || options.top_p <= 0 || options.top_p > 1 || options.top_k < 0) {
      throw Error(
          fmt::format("temperature {} (>= 0), top_p {} (in (0, 1]), top_k {} (>= 0): out of "
                      "range",
                      options.temperature, options.top_p, options.top_k));
    }
    for (size_t i = 0; i < prompts.size(); ++i) {
      int64_t length = static_cast<int64_t>(prompts[i].size());
      int64_t needed = length + options.max_new_tokens - 1;
      if (needed <= model_->config().max_position_embeddings) continue;
      int64_t room = model_->config().max_position_embeddings - length + 1;
      throw PastPositions(model_->config(), info_.path,
                          fmt::format("prompt {}: {} prompt tokens + {} new tokens", i, length,
                                      options.max_new_tokens),
                          needed,
                          room >= 1 ? fmt::format("lower --max-new-tokens to {} or shorten the "
                                                  "prompt",
                                                  room)
                                    : "the prompt alone is too long");
    }
    int64_t finished = 0;
    StepCallback on_step = nullptr;
    if (progress) {
      on_step = [&](int64_t count) {
        if (count) progress(finished += count);
      };
    }
    last_stats_ = {};
    std::vector<GeneratedSequence> sequences =
        lm::Generate(*model_, prompts, config, stop, on_step, &last_stats_);
    std::vector<Sample> samples;
    samples.reserve(sequences.size());
    for (GeneratedSequence& seq : sequences) {
      samples.push_back({seq.prompt_index, seq.sample_index, std::move(seq.tokens), seq.logprob,
                         std::move(seq.token_logprobs), seq.finish_reason});
    }
    return samples;
  }

  std::vector<ScoreResult> Score(const std::vector<ScoreRequest>& requests) override {
    std::vector<TokenScoreRequest> token_requests;
    for (size_t i = 0; i < requests.size(); ++i) {
      const ScoreRequest& r = requests[i];
      int64_t needed = static_cast<int64_t>(r.prompt.size() + r.continuation.size());
      if (needed > model_->config().max_position_embeddings) {
        throw PastPositions(model_->config(), info_.path,
                            fmt::format("request {}: {} prompt + {} continuation tokens", i,
                                        r.prompt.size(), r.continuation.size()),
                            needed, "shorten the prompt or the continuation");
      }
      token_requests.push_back({r.prompt, r.continuation});
    }
    std::vector<ScoreResult> results;
    for (TokenScore& s : ScoreContinuations(*model_, token_requests)) {
      results.push_back({s.logprob, std::move(s.token_logprobs)});
    }
    return results;
  }

  std::vector<std::vector<double>> NextTokenLogprobs(
      const std::vector<std::vector<int64_t>>& prompts,
      const std::vector<int64_t>& candidates) override {
    for (size_t i = 0; i < prompts.size(); ++i) {
      int64_t needed = static_cast<int64_t>(prompts[i].size());
      if (needed > model_->config().max_position_embeddings) {
        throw PastPositions(model_->config(), info_.path, fmt::format("prompt {}", i), needed,
                            "shorten the prompt");
      }
    }
    return lm::NextTokenLogprobs(*model_, prompts, candidates);
  }

  std::vector<std::vector<double>> MeanHiddenStates(
      const std::vector<std::vector<int64_t>>& sequences) override {
    for (size_t i = 0; i < sequences.size(); ++i) {
      int64_t needed = static_cast<int64_t>(sequences[i].size());
      if (needed > model_->config().max_position_embeddings) {
        throw PastPositions(model_->config(), info_.path, fmt::format("sequence {}", i), needed,
                            "shorten it");
      }
    }
    return lm::MeanHiddenStates(*model_, sequences);
  }

  const ModelInfo& info() const override { return info_; }
  GenerationStats last_generation_stats() const override { return last_stats_; }

 private:
  std::shared_ptr<CausalLmImpl> model_;
  ModelInfo info_;
  GenerationStats last_stats_;
};

}  // namespace

std::unique_ptr<LanguageModel> LoadLanguageModel(const std::string& dir,
                                                 const LoadOptions& options) {
  if (IsRemoteModel(dir)) return MakeRemoteLanguageModel(dir, options.remote);
  RequireCheckpointDir(dir);
  return std::make_unique<TorchLanguageModel>(dir, options);
}

}  // namespace ilf::lm
