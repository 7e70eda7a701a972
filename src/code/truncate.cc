#include "src/code/truncate.h"

#include <algorithm>

#include "src/core/error.h"

namespace ilf::code {
namespace {

bool IsStopLineStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '#' || c == '"' || c == '@';
}

}  // namespace

const std::vector<std::string> kHumanEvalStopSequences = {"\nclass", "\ndef", "\n#", "\nif",
                                                          "\nprint"};

std::string TruncateCompletion(std::string_view completion, bool starts_line) {
  size_t line_start = 0;
  if (!starts_line) {
    line_start = completion.find('\n');
    line_start = line_start == std::string_view::npos ? completion.size() : line_start + 1;
  }
  while (line_start < completion.size()) {
    if (IsStopLineStart(completion[line_start]))
      return std::string(completion.substr(0, line_start));
    size_t newline = completion.find('\n', line_start);
    if (newline == std::string_view::npos) break;
    line_start = newline + 1;
  }
  return std::string(completion);
}

std::string TruncateAtStopSequences(std::string_view completion,
                                    const std::vector<std::string>& stops) {
  size_t cut = completion.size();
  for (const std::string& stop : stops) {
    if (stop.empty()) {
      throw Error(
          "empty stop sequence: it would cut every completion to nothing; hint: remove it "
          "from the stop list");
    }
    cut = std::min(cut, completion.find(stop));
  }
  return std::string(completion.substr(0, cut));
}

std::string CutToLineBudget(std::string_view source, size_t max_bytes) {
  if (source.size() <= max_bytes) return std::string(source);
  // The last '\n' at index < max_bytes ends the longest fitting prefix.
  size_t newline = max_bytes == 0 ? std::string_view::npos : source.rfind('\n', max_bytes - 1);
  if (newline == std::string_view::npos) return "";
  return std::string(source.substr(0, newline + 1));
}

}  // namespace ilf::code
