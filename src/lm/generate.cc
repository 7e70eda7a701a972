#include "src/lm/generate.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include <c10/core/InferenceMode.h>

#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/lm/layers.h"
#include "src/lm/token_picker.h"

namespace ilf::lm {
namespace {

// One left-padded batch of prompts, decoded together until every row has finished.
class BatchDecoder {
 public:
  BatchDecoder(CausalLmImpl& model, const GenerationConfig& config, const StopCallback& stop,
               const StepCallback& on_step, GenerationStats& stats)
      : model_(model),
        config_(config),
        stop_(stop),
        on_step_(on_step),
        stats_(stats),
        picker_(model, config.sampling) {}

  // Decodes `prompt_indices` of `prompts`, writing into `out` (indexed prompt * n + sample).
  void Run(const std::vector<std::vector<int64_t>>& prompts,
           const std::vector<int64_t>& prompt_indices, std::vector<GeneratedSequence>& out);

 private:
  CausalLmImpl& model_;
  const GenerationConfig& config_;
  const StopCallback& stop_;
  const StepCallback& on_step_;
  GenerationStats& stats_;
  TokenPicker picker_;  // logits and token choice; its buffers serve every batch
};

void BatchDecoder::Run(const std::vector<std::vector<int64_t>>& prompts,
                       const std::vector<int64_t>& prompt_indices,
                       std::vector<GeneratedSequence>& out) {
  const int64_t batch = prompt_indices.size(), n = config_.num_samples;
  int64_t prompt_len = 0;
  for (int64_t p : prompt_indices) prompt_len = std::max<int64_t>(prompt_len, prompts[p].size());
  const int64_t capacity = prompt_len + config_.max_new_tokens;
  torch::TensorOptions opts = model_.options();
  torch::ScalarType dtype = opts.dtype().toScalarType();
  auto long_cpu = torch::TensorOptions().dtype(torch::kLong);

  // Left-padded prompt ids and validity.
  torch::Tensor ids = torch::full({batch, prompt_len}, config_.pad_token_id, long_cpu);  // [b, P]
  torch::Tensor valid = torch::zeros({batch, capacity}, long_cpu.dtype(torch::kBool));   // [b, C]
  valid.narrow(1, prompt_len, config_.max_new_tokens).fill_(true);  // generated tokens are real
  for (int64_t r = 0; r < batch; ++r) {
    const std::vector<int64_t>& prompt = prompts[prompt_indices[r]];
    int64_t pad = prompt_len - prompt.size();
    ids[r].narrow(0, pad, prompt.size()).copy_(torch::tensor(prompt, long_cpu));
    valid[r].narrow(0, pad, prompt.size()).fill_(true);
  }
  ids = ids.to(opts.device());
  valid = valid.to(opts.device());

  // Prefill once per prompt.
  std::unique_ptr<KvCache> cache = model_.MakeCache(batch, capacity);
  torch::Tensor prompt_valid = valid.narrow(1, 0, prompt_len);  // [b, P]
  torch::Tensor positions = PositionsFromMask(prompt_valid);    // [b, P]
  torch::Tensor hidden = model_.Forward(ids, positions, CausalMask(prompt_valid, prompt_len, dtype),
                                        cache.get());  // [b, P, D]
  // Counted from the tensors the pass was given, so the counts show what was computed.
  stats_.prefill_passes += 1;
  stats_.prefill_rows += ids.size(0);
  stats_.prefill_tokens += prompt_valid.sum().item<int64_t>();
  stats_.prefill_positions += ids.numel();
  torch::Tensor logits = picker_.Logits(hidden.select(1, prompt_len - 1));  // [b, V]
  torch::Tensor next_pos = positions.select(1, prompt_len - 1) + 1;         // [b]
  // Additive key mask for decoding steps: [rows, 1, 1, C].
  torch::Tensor key_mask =
      torch::zeros({batch, 1, 1, capacity}, opts)
          .masked_fill_(valid.logical_not().view({batch, 1, 1, capacity}), MaskedValue(dtype));

  // The n samples continue from the same prefill.
  if (n > 1) {
    cache->RepeatRows(n);
    logits = picker_.RepeatRows(logits, n);       // [b*n, V]
    next_pos = next_pos.repeat_interleave(n, 0);  // [b*n]
    key_mask = key_mask.repeat_interleave(n, 0);  // [b*n, 1, 1, C]
  }
  std::vector<int64_t> rows;  // out[] index of each active row
  std::vector<uint64_t> streams;
  std::vector<int64_t> next_host;    // each row's next token
  std::vector<double> next_logprob;  // and its log-prob
  for (int64_t p : prompt_indices) {
    for (int64_t s = 0; s < n; ++s) {
      rows.push_back(p * n + s);
      uint64_t prompt_seed = config_.prompt_seeds.empty()
                                 ? PromptSeed(config_.seed, static_cast<uint64_t>(p))
                                 : config_.prompt_seeds[p];
      streams.push_back(SampleStream(prompt_seed, static_cast<uint64_t>(s)));
      out[p * n + s].prompt_index = p;
      out[p * n + s].sample_index = s;
    }
  }

  for (int64_t step = 0; step < config_.max_new_tokens && !rows.empty(); ++step) {
    ThrowIfInterrupted();
    picker_.Pick(logits, streams, step, &next_host, &next_logprob);

    std::vector<int64_t> keep;
    for (size_t r = 0; r < rows.size(); ++r) {
      GeneratedSequence& seq = out[rows[r]];
      int64_t token = next_host[r];
      const auto& eos = config_.eos_token_ids;
      if (std::find(eos.begin(), eos.end(), token) != eos.end()) {
        seq.finish_reason = "eos";
        continue;
      }
      seq.tokens.push_back(token);
      seq.logprob += next_logprob[r];
      seq.token_logprobs.push_back(next_logprob[r]);
      if (stop_ && stop_(seq.prompt_index, seq.tokens)) {
        seq.finish_reason = "stop";
      } else if (step + 1 == config_.max_new_tokens) {
        seq.finish_reason = "length";
      } else {
        keep.push_back(r);
      }
    }
    if (on_step_) on_step_(static_cast<int64_t>(rows.size() - keep.size()));
    if (keep.empty()) break;
    std::vector<int64_t> next_kept;
    for (int64_t r : keep) next_kept.push_back(next_host[r]);
    torch::Tensor next = torch::tensor(next_kept, long_cpu).to(opts.device());  // [R]
    if (keep.size() < rows.size()) {  // drop finished rows from every per-row tensor
      torch::Tensor index = torch::tensor(keep, long_cpu).to(opts.device());
      cache->SelectRows(index);
      next_pos = next_pos.index_select(0, index);
      key_mask = key_mask.index_select(0, index);
      std::vector<int64_t> kept_rows;
      std::vector<uint64_t> kept_streams;
      for (int64_t r : keep) {
        kept_rows.push_back(rows[r]);
        kept_streams.push_back(streams[r]);
      }
      rows.swap(kept_rows);
      streams.swap(kept_streams);
    }
    const int64_t count = rows.size();
    torch::Tensor mask = key_mask.narrow(3, 0, cache->length() + 1);  // [R, 1, 1, L]
    hidden = model_.Forward(next.view({count, 1}), next_pos.view({count, 1}), mask,
                            cache.get());  // [R, 1, D]
    stats_.decode_steps += 1;
    stats_.decode_tokens += count;
    logits = picker_.Logits(hidden.select(1, 0));  // [R, V]
    next_pos += 1;
  }
}

}  // namespace

std::vector<GeneratedSequence> Generate(CausalLmImpl& model,
                                        const std::vector<std::vector<int64_t>>& prompts,
                                        const GenerationConfig& config, const StopCallback& stop,
                                        const StepCallback& on_step, GenerationStats* stats) {
  GenerationStats counted;
  ILF_CHECK(config.num_samples >= 1 && config.max_batch_rows >= 1, "bad generation config");
  ILF_CHECK(config.prompt_seeds.empty() || config.prompt_seeds.size() == prompts.size(),
            "prompt_seeds: one per prompt");
  const ModelConfig& mc = model.config();
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) {
      throw Error(
          fmt::format("prompt {} is empty; generation needs at least one prompt token (e.g. "
                      "the model's bos token)",
                      i));
    }
    for (int64_t id : prompts[i]) {
      if (id < 0 || id >= mc.vocab_size) {
        throw Error(fmt::format("prompt {}: token id {} outside the vocabulary [0, {})", i, id,
                                mc.vocab_size));
      }
    }
    int64_t needed = static_cast<int64_t>(prompts[i].size()) + config.max_new_tokens - 1;
    if (mc.family == Family::kGpt2 && needed > mc.max_position_embeddings) {
      throw Error(
          fmt::format("prompt {}: {} prompt tokens + {} new tokens exceed the model's {} "
                      "positions (n_positions); lower --max-new-tokens",
                      i, prompts[i].size(), config.max_new_tokens, mc.max_position_embeddings));
    }
  }
  c10::InferenceMode inference;
  model.eval();
  std::vector<GeneratedSequence> out(prompts.size() * config.num_samples);
  if (config.max_new_tokens <= 0) {
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].prompt_index = i / config.num_samples;
      out[i].sample_index = i % config.num_samples;
      out[i].finish_reason = "length";
    }
    if (stats) *stats = counted;
    return out;
  }
  std::vector<int64_t> order(prompts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return prompts[a].size() < prompts[b].size(); });
  const int64_t per_batch = std::max<int64_t>(1, config.max_batch_rows / config.num_samples);
  BatchDecoder decoder(model, config, stop, on_step, counted);
  for (size_t start = 0; start < order.size(); start += per_batch) {
    size_t end = std::min(order.size(), start + per_batch);
    decoder.Run(prompts, std::vector<int64_t>(order.begin() + start, order.begin() + end), out);
  }
  if (stats) *stats = counted;
  return out;
}

}  // namespace ilf::lm
