#include "sandbox/test_split.h"

#include <cctype>

namespace ilf::sandbox {
namespace {

bool StartsWithWord(const std::string& line, const char* word) {
  size_t n = std::char_traits<char>::length(word);
  return line.compare(0, n, word) == 0 &&
         (line.size() == n ||
          !(std::isalnum(static_cast<unsigned char>(line[n])) || line[n] == '_'));
}

// Scans one line, updating bracket depth and open triple-quoted string state. Returns true when
// the line ends with a backslash continuation.
bool ScanLine(const std::string& line, int* depth, std::string* open_string) {
  size_t i = 0;
  while (i < line.size()) {
    if (!open_string->empty()) {
      if (line[i] == '\\') {
        i += 2;
        continue;
      }
      if (line.compare(i, open_string->size(), *open_string) == 0) {
        i += open_string->size();
        open_string->clear();
        continue;
      }
      ++i;
      continue;
    }
    char c = line[i];
    if (c == '#') break;
    if (c == '"' || c == '\'') {
      std::string quote =
          line.compare(i, 3, std::string(3, c)) == 0 ? std::string(3, c) : std::string(1, c);
      *open_string = quote;
      i += quote.size();
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++*depth;
    if ((c == ')' || c == ']' || c == '}') && *depth > 0) --*depth;
    ++i;
  }
  // A single-quoted string cannot span lines (without a backslash); close it.
  if (open_string->size() == 1) open_string->clear();
  return !line.empty() && line.back() == '\\' && open_string->empty();
}

}  // namespace

SplitTests SplitTestFile(const std::string& source) {
  std::vector<std::string> statements;
  int depth = 0;
  std::string open_string;
  bool continued = false;
  bool decorator_pending = false;
  size_t start = 0;
  while (start < source.size()) {
    size_t end = source.find('\n', start);
    if (end == std::string::npos) end = source.size();
    std::string line = source.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    start = end + 1;
    bool inside = depth > 0 || !open_string.empty() || continued;
    bool top_level = !inside && !line.empty() &&
                     !std::isspace(static_cast<unsigned char>(line[0])) && line[0] != '#';
    bool clause = StartsWithWord(line, "else") || StartsWithWord(line, "elif") ||
                  StartsWithWord(line, "except") || StartsWithWord(line, "finally") ||
                  StartsWithWord(line, "case");
    if (top_level && !clause && !decorator_pending) {
      statements.emplace_back();
    }
    if (top_level) decorator_pending = line[0] == '@';
    if (statements.empty()) statements.emplace_back();
    statements.back() += line + "\n";
    continued = ScanLine(line, &depth, &open_string);
  }
  // In file order: statements before the first assert are setup; those between two asserts open
  // the next test; those after the last assert close the last test.
  SplitTests split;
  std::string pending;
  for (const std::string& statement : statements) {
    if (StartsWithWord(statement, "assert")) {
      split.tests.push_back(pending + statement);
      pending.clear();
    } else if (split.tests.empty()) {
      split.setup += statement;
    } else {
      pending += statement;
    }
  }
  if (!pending.empty()) split.tests.back() += pending;
  return split;
}

}  // namespace ilf::sandbox
