#include "src/lm/stop_strings.h"

#include <cctype>

namespace ilf::lm {

std::optional<size_t> FindStop(const std::string& text, const StopRules& rules) {
  std::optional<size_t> cut;
  for (const std::string& stop : rules.stop_strings) {
    if (stop.empty()) continue;
    size_t at = text.find(stop);
    if (at != std::string::npos && (!cut || at < *cut)) cut = at;
  }
  if (rules.top_level_line) {
    for (size_t at = text.find('\n'); at != std::string::npos && (!cut || at < *cut);
         at = text.find('\n', at + 1)) {
      if (at + 1 < text.size()) {
        unsigned char next = text[at + 1];
        if (std::isalpha(next) || next == '#' || next == '"') {
          cut = at;
          break;
        }
      }
    }
  }
  return cut;
}

}  // namespace ilf::lm
