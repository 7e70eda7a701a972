// Batched scoring: log-probabilities of given continuations, and of candidate next tokens.
//
// Requests are sorted by length and packed into right-padded batches of at most max_batch_tokens
// (rows x longest sequence); with a causal mask, right padding is never attended by real tokens,
// so positions are simply 0..T-1. The LM head runs only at the positions that are scored.
#pragma once

#include <cstdint>
#include <vector>

#include "src/lm/causal_lm.h"

namespace ilf::lm {

struct TokenScoreRequest {
  std::vector<int64_t> prompt;        // context, at least one token
  std::vector<int64_t> continuation;  // the tokens scored
};

struct TokenScore {
  double logprob = 0;                  // sum of token_logprobs
  std::vector<double> token_logprobs;  // log p(continuation[i] | prompt, continuation[:i])
};

// One result per request, in order. Throws ilf::Error for an empty prompt or an id outside the
// vocab.
std::vector<TokenScore> ScoreContinuations(CausalLmImpl& model,
                                           const std::vector<TokenScoreRequest>& requests,
                                           int64_t max_batch_tokens = 8192);

// For each prompt, log p(candidate | prompt) of every candidate token id at the next position
// (under the full softmax; InstructRM's P(" Yes") vs P(" No")). Result [prompts][candidates].
std::vector<std::vector<double>> NextTokenLogprobs(CausalLmImpl& model,
                                                   const std::vector<std::vector<int64_t>>& prompts,
                                                   const std::vector<int64_t>& candidates,
                                                   int64_t max_batch_tokens = 8192);

// For each sequence, the mean over its positions of the final hidden states (float32 mean,
// returned as double), [sequences][hidden]. Throws ilf::Error for an empty sequence or an id
// outside the vocab.
std::vector<std::vector<double>> MeanHiddenStates(
    CausalLmImpl& model, const std::vector<std::vector<int64_t>>& sequences,
    int64_t max_batch_tokens = 8192);

}  // namespace ilf::lm
