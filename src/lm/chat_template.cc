#include "src/lm/chat_template.h"

#include <string_view>

#include "src/core/error.h"

namespace ilf::lm {
namespace {

// Jinja string-literal escapes that appear in chat templates.
std::string UnescapeJinja(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      char next = text[++i];
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A literal "<|im_start|>system\n...<|im_end|>" in the template source whose middle is plain text
// (no quote, '+' or '{', which would mean it is built from the first message) is the default system
// prompt.
std::optional<std::string> FindDefaultSystemPrompt(const std::string& jinja) {
  const std::string opening = "<|im_start|>system\\n";
  for (size_t at = jinja.find(opening); at != std::string::npos; at = jinja.find(opening, at + 1)) {
    size_t begin = at + opening.size();
    size_t end = jinja.find("<|im_end|>", begin);
    if (end == std::string::npos) break;
    std::string_view middle(jinja.data() + begin, end - begin);
    if (middle.find_first_of("'\"+{}") == std::string_view::npos) return UnescapeJinja(middle);
  }
  return std::nullopt;
}

}  // namespace

ChatTemplate ChatTemplate::FromJinja(const std::string& jinja, const std::string& where) {
  if (jinja.find("<|im_start|>") == std::string::npos ||
      jinja.find("<|im_end|>") == std::string::npos) {
    throw Error(where +
                ": chat_template is not in the ChatML format (<|im_start|>role ... <|im_end|>), "
                "the only one ilf renders; hint: format the prompt text yourself and tokenize it");
  }
  ChatTemplate chat;
  chat.default_system_prompt_ = FindDefaultSystemPrompt(jinja);
  return chat;
}

std::string ChatTemplate::Apply(const std::vector<ChatMessage>& messages,
                                bool add_generation_prompt) const {
  if (messages.empty()) throw Error("chat template: no messages to format");
  std::string out;
  auto append = [&](const std::string& role, const std::string& content) {
    out += "<|im_start|>" + role + "\n" + content + "<|im_end|>\n";
  };
  if (messages[0].role != "system" && default_system_prompt_) {
    append("system", *default_system_prompt_);
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& message = messages[i];
    if (message.role != "system" && message.role != "user" && message.role != "assistant") {
      throw Error("chat template: message " + std::to_string(i) + " has role '" + message.role +
                  "', expected system, user or assistant");
    }
    append(message.role, message.content);
  }
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace ilf::lm
