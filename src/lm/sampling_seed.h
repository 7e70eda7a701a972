// Per-prompt seeds of generation, without LibTorch: shared by the sampler (src/lm/sampling.h),
// `ilf serve` and the remote engine, which must agree on them.
#pragma once

#include <cstdint>

namespace ilf::lm {

// The draws' seed of prompt `index` of a run seeded `seed`: seed + index * 0x9E3779B97F4A7C15
// (mod 2^64), so PromptSeed(PromptSeed(s, a), b) == PromptSeed(s, a + b). A request for prompts
// a, a+1, ... seeded PromptSeed(s, a) (what the remote engine sends `ilf serve`) thus draws exactly
// what one in-process run over all prompts seeded s draws.
inline uint64_t PromptSeed(uint64_t seed, uint64_t index) {
  return seed + index * 0x9E3779B97F4A7C15ull;
}

}  // namespace ilf::lm
