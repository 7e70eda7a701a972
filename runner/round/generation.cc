#include "runner/round/generation.h"

#include "src/core/error.h"
#include "src/lm/checkpoint_dir.h"

namespace ilf::round {
namespace {

lm::Tokenizer LoadTokenizerFor(const std::string& model_dir, const std::string& tokenizer_dir) {
  if (!lm::IsRemoteModel(model_dir)) lm::RequireCheckpointDir(model_dir);
  return lm::Tokenizer::Load(tokenizer_dir.empty() ? model_dir : tokenizer_dir);
}

}  // namespace

TextModel::TextModel(const std::string& model_dir, const std::string& tokenizer_dir,
                     const lm::LoadOptions& load)
    : dir_(model_dir),
      tokenizer_(LoadTokenizerFor(model_dir, tokenizer_dir)),
      model_(lm::LoadLanguageModel(model_dir, load)) {}

std::string TextModel::Decode(const std::vector<int64_t>& ids) const {
  // Embedding rows past the tokenizer's ids (padded vocabularies) have no text.
  std::vector<int32_t> known;
  known.reserve(ids.size());
  for (int64_t id : ids) {
    if (id < tokenizer_.vocab_size() && tokenizer_.HasId(static_cast<int32_t>(id)))
      known.push_back(static_cast<int32_t>(id));
  }
  return tokenizer_.Decode(known, /*skip_special=*/true);
}

std::vector<Generated> TextModel::Generate(const std::vector<std::string>& prompts,
                                           const lm::GenerateOptions& options,
                                           const TaskAdapter& adapter,
                                           const std::function<void(int64_t)>& on_done) {
  std::vector<std::vector<int64_t>> ids;
  ids.reserve(prompts.size());
  for (const std::string& prompt : prompts) {
    std::vector<int32_t> encoded = tokenizer_.Encode(prompt);
    if (encoded.empty()) throw Error("an empty prompt cannot be continued");
    ids.emplace_back(encoded.begin(), encoded.end());
  }
  lm::StopFn stop = [&](int64_t, const std::vector<int64_t>& completion) {
    return adapter.OutputEnds(Decode(completion));
  };
  std::vector<lm::Sample> samples = model_->Generate(ids, options, stop, on_done);
  std::vector<Generated> out;
  out.reserve(samples.size());
  for (const lm::Sample& sample : samples) {
    out.push_back({sample.prompt_index, sample.sample_id,
                   adapter.PostProcess(Decode(sample.completion_ids)), sample.logprob});
  }
  return out;
}

}  // namespace ilf::round
