// The chat format of instruct models, for prompting them the way they were trained.
//
// Hugging Face ships the format as a Jinja template (tokenizer_config.json "chat_template"). Rather
// than embed a Jinja engine, ilf recognises the template's format and renders it in C++ for plain
// text messages (no tools). Recognised today: ChatML, used by Qwen / Qwen2 / Qwen2.5:
//   <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n
// where a conversation that does not open with a system message gets the template's default system
// prompt, if it has one (Qwen2.5: "You are Qwen, created by Alibaba Cloud. You are a helpful
// assistant."). Immutable and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ilf::lm {

struct ChatMessage {
  std::string role;     // "system", "user" or "assistant"
  std::string content;  // the message text
};

class ChatTemplate {
 public:
  // Recognises the format of `jinja`. Throws ilf::Error naming `where` (the file) when it is not a
  // format ilf knows, with a hint to format prompts by hand.
  static ChatTemplate FromJinja(const std::string& jinja, const std::string& where);

  // Renders `messages` as the template does. With `add_generation_prompt`, appends the assistant
  // header so that the model's continuation is the reply. Throws ilf::Error for an empty list or a
  // role other than system/user/assistant (naming the message index).
  std::string Apply(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;

  // The system prompt added when messages[0] is not a system message; nullopt when none is.
  const std::optional<std::string>& default_system_prompt() const { return default_system_prompt_; }

 private:
  std::optional<std::string> default_system_prompt_;
};

}  // namespace ilf::lm
