#include "src/lm/chat.h"

#include "src/core/error.h"
#include "src/lm/serve_batcher.h"

namespace ilf::lm {

std::vector<int64_t> ChatPromptIds(const Tokenizer& tokenizer, const Conversation& conversation) {
  std::vector<int32_t> ids =
      tokenizer.Encode(tokenizer.ApplyChatTemplate(conversation, /*add_generation_prompt=*/true));
  return std::vector<int64_t>(ids.begin(), ids.end());
}

std::string ChatReplyText(const Tokenizer& tokenizer, const std::vector<int64_t>& ids,
                          const std::vector<std::string>& stop, bool* stopped) {
  return CompletionText(tokenizer, ids, stop, stopped, /*skip_special=*/true);
}

std::vector<ChatReply> LanguageModel::Chat(const std::vector<Conversation>& conversations,
                                           const ChatOptions& options, const Tokenizer* tokenizer,
                                           const StopFn& stop) {
  if (tokenizer == nullptr) {
    throw Error(info().path +
                ": chat in process needs the model's tokenizer (its chat template); pass "
                "--tokenizer DIR");
  }
  std::vector<std::vector<int64_t>> prompts;
  for (const Conversation& c : conversations) prompts.push_back(ChatPromptIds(*tokenizer, c));
  StopFn until = stop;
  if (!options.stop.empty()) {  // stop strings end a reply as `ilf serve`'s batcher ends it
    until = [&](int64_t i, const std::vector<int64_t>& ids) {
      if (stop && stop(i, ids)) return true;
      bool stopped = false;
      CompletionText(*tokenizer, ids, options.stop, &stopped);
      return stopped;
    };
  }
  std::vector<ChatReply> replies;
  if (prompts.empty()) return replies;
  for (Sample& s : Generate(prompts, options.generate, until)) {
    ChatReply r;
    r.conversation_index = s.prompt_index;
    r.sample_id = s.sample_id;
    r.text = ChatReplyText(*tokenizer, s.completion_ids, options.stop);
    r.completion_ids = std::move(s.completion_ids);
    r.token_logprobs = std::move(s.token_logprobs);
    r.logprob = s.logprob;
    r.finish_reason = s.finish_reason;
    replies.push_back(std::move(r));
  }
  return replies;
}

}  // namespace ilf::lm
