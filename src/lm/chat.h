// Chat in process: the pieces LanguageModel::Chat's default (in-process) implementation and
// `ilf serve`'s /v1/chat/completions share, so a chat through the server is the chat in process.
// Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"

namespace ilf::lm {

// The prompt ids of a conversation: its chat template with the assistant header appended, encoded
// with special tokens recognised (the template's markers). Throws ilf::Error when the tokenizer has
// no chat template.
std::vector<int64_t> ChatPromptIds(const Tokenizer& tokenizer, const Conversation& conversation);

// A reply's text: `ids` decoded without special tokens, ending before the first of `stop`.
// `stopped` (optional) tells whether a stop string cut it.
std::string ChatReplyText(const Tokenizer& tokenizer, const std::vector<int64_t>& ids,
                          const std::vector<std::string>& stop, bool* stopped = nullptr);

}  // namespace ilf::lm
