// Finetuning data: (prompt, target) pairs → token ids with the loss on the target only.
//
// A pairs file is JSONL, one pair a line: {"prompt": "...", "target": "..."}, optionally with
// pre-tokenized "prompt_ids" / "target_ids" (lists of ints) which then win over the text. An
// optional ilf header record ({"ilf_header": {"schema": "ilf.pairs", ...}}) is accepted. The
// end-of-sequence token is appended to every target so the model learns to stop. Labels are -100 on
// prompt tokens: the loss is the next-token cross-entropy on target tokens only (the paper's
// setting).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ilf::lm {

inline constexpr int64_t kIgnoreLabel = -100;  // label value excluded from the loss (HF convention)

// One tokenized training sequence.
struct TrainExample {
  std::vector<int64_t> input_ids;  // prompt ids then target ids (eos appended)
  std::vector<int64_t> labels;     // same length; kIgnoreLabel on prompt positions
  std::string where;               // "file:line" it came from, for messages
  int64_t TargetTokens() const;    // number of labels != kIgnoreLabel
};

// Turns text into token ids (no special tokens added).
using TextEncoder = std::function<std::vector<int64_t>(const std::string& text)>;

struct PairsOptions {
  int64_t eos_token_id = -1;  // appended to each target; -1 = append nothing
  int64_t max_length = 0;     // longest allowed prompt+target in tokens (the context); 0 = no limit
  int64_t vocab_size = 0;     // ids must be < vocab_size; 0 = not checked
};

// Builds one example. Throws ilf::Error naming `where` for an empty target, a sequence longer than
// max_length, or an id outside the vocabulary.
TrainExample MakeExample(const std::vector<int64_t>& prompt_ids,
                         const std::vector<int64_t>& target_ids, const PairsOptions& options,
                         const std::string& where);

// Reads a pairs file. `encode` may be empty when every line carries prompt_ids/target_ids.
// Throws ilf::Error "file:line: ..." on the first malformed line, missing field, empty target or
// too-long pair, and when the file has no pairs at all.
std::vector<TrainExample> ReadPairs(const std::string& path, const TextEncoder& encode,
                                    const PairsOptions& options);

}  // namespace ilf::lm
