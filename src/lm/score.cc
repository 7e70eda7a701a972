#include "src/lm/score.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include <c10/core/InferenceMode.h>

#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/lm/layers.h"

namespace ilf::lm {
namespace {

void CheckIds(const std::vector<int64_t>& ids, int64_t vocab, size_t request, const char* what) {
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab) {
      throw Error(fmt::format("request {}: {} token id {} outside the vocabulary [0, {})", request,
                              what, id, vocab));
    }
  }
}

// Runs `sequences` (right-padded into batches) and calls visit(sequence index, hidden [T_i, D])
// with the final hidden states of each real token.
template <typename Visit>
void ForEachHidden(CausalLmImpl& model, const std::vector<std::vector<int64_t>>& sequences,
                   int64_t max_batch_tokens, Visit visit) {
  c10::InferenceMode inference;
  model.eval();
  std::vector<size_t> order(sequences.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sequences[a].size() < sequences[b].size(); });
  torch::TensorOptions opts = model.options();
  auto long_cpu = torch::TensorOptions().dtype(torch::kLong);
  size_t start = 0;
  while (start < order.size()) {
    ThrowIfInterrupted();
    // Sorted by length, so the batch's longest is its last; grow while rows x longest fits.
    size_t end = start + 1;
    while (end < order.size() &&
           static_cast<int64_t>((end - start + 1) * sequences[order[end]].size()) <=
               max_batch_tokens) {
      ++end;
    }
    const int64_t rows = end - start, len = sequences[order[end - 1]].size();
    torch::Tensor ids = torch::zeros({rows, len}, long_cpu);                        // [B, T]
    torch::Tensor valid = torch::zeros({rows, len}, long_cpu.dtype(torch::kBool));  // [B, T]
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<int64_t>& seq = sequences[order[start + r]];
      ids[r].narrow(0, 0, seq.size()).copy_(torch::tensor(seq, long_cpu));
      valid[r].narrow(0, 0, seq.size()).fill_(true);
    }
    ids = ids.to(opts.device());
    valid = valid.to(opts.device());
    torch::Tensor positions =
        torch::arange(len, ids.options()).unsqueeze(0).expand({rows, len});    // [B, T]
    torch::Tensor mask = CausalMask(valid, len, opts.dtype().toScalarType());  // [B, 1, T, T]
    torch::Tensor hidden = model.Forward(ids, positions, mask, nullptr);       // [B, T, D]
    for (int64_t r = 0; r < rows; ++r) {
      size_t index = order[start + r];
      visit(index, hidden[r].narrow(0, 0, sequences[index].size()));  // [T_i, D]
    }
    start = end;
  }
}

}  // namespace

std::vector<TokenScore> ScoreContinuations(CausalLmImpl& model,
                                           const std::vector<TokenScoreRequest>& requests,
                                           int64_t max_batch_tokens) {
  const int64_t vocab = model.config().vocab_size;
  std::vector<std::vector<int64_t>> sequences;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].prompt.empty()) {
      throw Error(
          fmt::format("request {}: empty prompt; the first continuation token needs a "
                      "context (prepend the model's bos token)",
                      i));
    }
    CheckIds(requests[i].prompt, vocab, i, "prompt");
    CheckIds(requests[i].continuation, vocab, i, "continuation");
    std::vector<int64_t> seq = requests[i].prompt;
    seq.insert(seq.end(), requests[i].continuation.begin(), requests[i].continuation.end());
    sequences.push_back(std::move(seq));
  }
  std::vector<TokenScore> scores(requests.size());
  ForEachHidden(model, sequences, max_batch_tokens, [&](size_t i, const torch::Tensor& hidden) {
    const int64_t p = requests[i].prompt.size(), c = requests[i].continuation.size();
    if (c == 0) return;
    // The state at position t predicts token t + 1.
    torch::Tensor logits = model.Logits(hidden.narrow(0, p - 1, c)).to(torch::kFloat);  // [c, V]
    torch::Tensor targets =
        torch::tensor(requests[i].continuation, torch::kLong).to(logits.device());
    torch::Tensor lp = (logits.gather(1, targets.unsqueeze(1)).squeeze(1) - logits.logsumexp(-1))
                           .to(torch::kCPU)
                           .to(torch::kDouble)
                           .contiguous();  // [c]
    scores[i].token_logprobs.assign(lp.data_ptr<double>(), lp.data_ptr<double>() + c);
    scores[i].logprob =
        std::accumulate(scores[i].token_logprobs.begin(), scores[i].token_logprobs.end(), 0.0);
  });
  return scores;
}

std::vector<std::vector<double>> NextTokenLogprobs(CausalLmImpl& model,
                                                   const std::vector<std::vector<int64_t>>& prompts,
                                                   const std::vector<int64_t>& candidates,
                                                   int64_t max_batch_tokens) {
  const int64_t vocab = model.config().vocab_size;
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) throw Error(fmt::format("prompt {} is empty", i));
    CheckIds(prompts[i], vocab, i, "prompt");
  }
  CheckIds(candidates, vocab, 0, "candidate");
  std::vector<std::vector<double>> result(prompts.size());
  torch::Tensor cand = torch::tensor(candidates, torch::kLong);
  ForEachHidden(model, prompts, max_batch_tokens, [&](size_t i, const torch::Tensor& hidden) {
    torch::Tensor logits = model.Logits(hidden[-1]).to(torch::kFloat);  // [V]
    torch::Tensor lp = (logits.index_select(0, cand.to(logits.device())) - logits.logsumexp(-1))
                           .to(torch::kCPU)
                           .to(torch::kDouble)
                           .contiguous();  // [C]
    result[i].assign(lp.data_ptr<double>(), lp.data_ptr<double>() + lp.numel());
  });
  return result;
}

std::vector<std::vector<double>> MeanHiddenStates(
    CausalLmImpl& model, const std::vector<std::vector<int64_t>>& sequences,
    int64_t max_batch_tokens) {
  const int64_t vocab = model.config().vocab_size;
  for (size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i].empty()) throw Error(fmt::format("sequence {} is empty", i));
    CheckIds(sequences[i], vocab, i, "sequence");
  }
  std::vector<std::vector<double>> result(sequences.size());
  ForEachHidden(model, sequences, max_batch_tokens, [&](size_t i, const torch::Tensor& hidden) {
    torch::Tensor mean =
        hidden.to(torch::kFloat).mean(0).to(torch::kCPU).to(torch::kDouble).contiguous();  // [D]
    result[i].assign(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
  });
  return result;
}

}  // namespace ilf::lm
