// The program inside a completion that carries Markdown fences or chatter.
//
// Chat and instruction models wrap code in prose and Markdown; the MBPP 3-shot prompt (DESIGN.md
// §1) teaches base models to end with `[DONE]`. ExtractCode turns such a completion into the
// program:
//   1. MBPP markers. If a `[DONE]` comes before any `[BEGIN]` (the prompt ended with "[BEGIN]\n"
//      and the model went on to invent the next task), the program is the text before it.
//      Otherwise, if there is a `[BEGIN]`, the program starts after the first one (blanks and one
//      line break right after it are dropped) and ends at the next `[DONE]`, if any. Text outside
//      the markers is dropped.
//   2. Fenced blocks, CommonMark style, in what step 1 kept: an opening fence is a line with at
//      most 3 spaces of indentation, then 3 or more backticks or tildes, then an info string; the
//      block ends at a line with at most 3 spaces and at least as many of the same character and
//      nothing else, or at the end of the text (a truncated answer). Up to the opening fence's
//      indentation is removed from each content line. Blocks whose language (the info string's
//      first word) is python, py, python3, py3 or absent are candidates; others (bash, text,
//      output, ...) are not. With `inside_fence` (the prompt ended inside an open fence, e.g.
//      "```python\n"), the text up to the first fence line is a candidate block of its own, and
//      parsing resumes after that line.
//   3. With candidates, the result is the first candidate that defines `entry_point` at top level
//      (names.h), else the first candidate; text before, between and after blocks is dropped.
//      Without candidates, the result is the text of step 1 unchanged: unfenced prose stays and the
//      syntax check reports it.
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ilf::code {

// A fenced block found in Markdown text.
struct FencedBlock {
  std::string language;  // the info string's first word, lower-cased; "" when untagged
  std::string code;      // the lines between the fences, each ending with '\n'
  bool closed = true;    // false when the text ended before a closing fence
};

// All fenced blocks of `text`, in order (step 2 above, without the language filter).
std::vector<FencedBlock> FindFencedBlocks(std::string_view text);

struct ExtractOptions {
  std::string entry_point;    // the name the chosen block should define; "" when unknown
  bool inside_fence = false;  // the prompt ended inside an open fenced block
};

// The program in `completion` (steps 1-3 above).
std::string ExtractCode(std::string_view completion, const ExtractOptions& options = {});

}  // namespace ilf::code
