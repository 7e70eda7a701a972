// Where a completion stops, as a pure function of its text (DESIGN.md §1): at the first of the stop
// strings, and optionally at the first line that starts at column 0 with a letter, '#' or '"' (the
// end of a function body in a Python completion). Torch-free.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ilf::lm {

struct StopRules {
  std::vector<std::string> stop_strings;  // cut before the first occurrence of any
  bool top_level_line = false;  // cut before "\n" + [A-Za-z#"] (a new top-level statement)
};

// The byte offset at which `text` must be cut, or nullopt if no rule matches yet.
std::optional<size_t> FindStop(const std::string& text, const StopRules& rules);

}  // namespace ilf::lm
