#include "sandbox/test_split.h"

#include <cctype>
#include <regex>

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

std::string EncodingPrefix(const std::string& source) {
  static const std::string kBom = "\xef\xbb\xbf";
  // PEP 263's regular expression, on a line that is a comment.
  static const std::regex kCookie(R"(^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+)");
  static const std::regex kBlankOrComment(R"(^[ \t\f]*(#.*)?\r?$)");
  bool bom = source.compare(0, kBom.size(), kBom) == 0;
  size_t begin = bom ? kBom.size() : 0;
  std::string prefix = bom ? kBom : "";
  for (int line_number = 1; line_number <= 2 && begin < source.size(); ++line_number) {
    size_t end = source.find('\n', begin);
    std::string line = source.substr(begin, end == std::string::npos ? end : end - begin);
    if (std::regex_search(line, kCookie)) return prefix + line + "\n";
    if (!std::regex_match(line, kBlankOrComment) || end == std::string::npos) break;
    begin = end + 1;
  }
  return prefix;
}

SplitTests SplitTestFile(const std::string& file) {
  // The byte order mark is not part of the first statement (`assert` must start it); it goes
  // back in front of the first block below.
  const std::string prefix = EncodingPrefix(file);
  const bool bom = file.compare(0, 3, "\xef\xbb\xbf") == 0;
  const std::string source = bom ? file.substr(3) : file;
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
  // Every block decodes as the file does: the first holds the file's first lines (with the BOM
  // put back), the others get the prefix.
  std::vector<std::string*> blocks;
  if (!split.setup.empty()) blocks.push_back(&split.setup);
  for (std::string& test : split.tests) blocks.push_back(&test);
  for (size_t i = 0; i < blocks.size(); ++i) {
    blocks[i]->insert(0, i == 0 ? prefix.substr(0, bom ? 3 : 0) : prefix);
  }
  return split;
}

}  // namespace ilf::sandbox
