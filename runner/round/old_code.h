// The old program quoted in a refinement prompt, cut to a token budget (Chen et al.: 512 tokens)
// at a line boundary so no statement is split mid-line. Pure; tested in round_core_test.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace ilf::round {

// The longest prefix of `program` that ends at a line boundary (after a '\n') and counts at most
// `max_tokens` tokens; the whole program when it fits; "" when not even its first line fits.
// `count_tokens` counts a text's tokens (null: bytes).
std::string CutToTokenBudget(const std::string& program, int64_t max_tokens,
                             const std::function<size_t(const std::string&)>& count_tokens);

}  // namespace ilf::round
