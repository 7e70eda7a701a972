#include "src/code/extract.h"

#include <cctype>

#include "src/code/names.h"

namespace ilf::code {
namespace {

constexpr std::string_view kBegin = "[BEGIN]";
constexpr std::string_view kDone = "[DONE]";

// One line of text without its line break ('\n' or "\r\n").
struct Line {
  std::string_view text;
  size_t next = 0;  // offset of the following line
};

Line LineAt(std::string_view text, size_t start) {
  size_t end = text.find('\n', start);
  Line line;
  line.next = end == std::string_view::npos ? text.size() : end + 1;
  if (end == std::string_view::npos) end = text.size();
  line.text = text.substr(start, end - start);
  if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
  return line;
}

// A fence line: indentation (0-3 spaces), the fence character and its run length, the info string.
struct Fence {
  size_t indent = 0;
  char marker = 0;
  size_t length = 0;
  std::string_view info;
};

bool ParseFence(std::string_view line, Fence* fence) {
  size_t indent = 0;
  while (indent < line.size() && indent < 4 && line[indent] == ' ') ++indent;
  if (indent > 3 || indent == line.size()) return false;
  char marker = line[indent];
  if (marker != '`' && marker != '~') return false;
  size_t length = 0;
  while (indent + length < line.size() && line[indent + length] == marker) ++length;
  if (length < 3) return false;
  std::string_view info = line.substr(indent + length);
  if (marker == '`' && info.find('`') != std::string_view::npos) return false;  // inline code
  *fence = Fence{indent, marker, length, info};
  return true;
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

bool Closes(std::string_view line, const Fence& opening) {
  Fence fence;
  return ParseFence(line, &fence) && fence.marker == opening.marker &&
         fence.length >= opening.length && IsBlank(fence.info);
}

std::string FirstWordLowerCase(std::string_view info) {
  size_t start = info.find_first_not_of(" \t");
  if (start == std::string_view::npos) return "";
  size_t end = info.find_first_of(" \t{", start);
  std::string word(info.substr(start, end == std::string_view::npos ? end : end - start));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

bool IsPythonLanguage(const std::string& language) {
  return language.empty() || language == "python" || language == "py" || language == "python3" ||
         language == "py3";
}

// Step 1: the text between the MBPP markers.
std::string_view BetweenMarkers(std::string_view text) {
  size_t begin = text.find(kBegin);
  size_t done = text.find(kDone);
  if (begin != std::string_view::npos && (done == std::string_view::npos || begin < done)) {
    size_t start = begin + kBegin.size();
    while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
    if (text.substr(start, 2) == "\r\n") {
      start += 2;
    } else if (start < text.size() && text[start] == '\n') {
      start += 1;
    }
    text = text.substr(start);
    done = text.find(kDone);
  }
  return done == std::string_view::npos ? text : text.substr(0, done);
}

}  // namespace

std::vector<FencedBlock> FindFencedBlocks(std::string_view text) {
  std::vector<FencedBlock> blocks;
  size_t pos = 0;
  while (pos < text.size()) {
    Line line = LineAt(text, pos);
    pos = line.next;
    Fence opening;
    if (!ParseFence(line.text, &opening)) continue;
    FencedBlock block;
    block.language = FirstWordLowerCase(opening.info);
    block.closed = false;
    while (pos < text.size()) {
      Line content = LineAt(text, pos);
      pos = content.next;
      if (Closes(content.text, opening)) {
        block.closed = true;
        break;
      }
      size_t strip = 0;
      while (strip < opening.indent && strip < content.text.size() && content.text[strip] == ' ') {
        ++strip;
      }
      block.code.append(content.text.substr(strip));
      block.code.push_back('\n');
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

std::string ExtractCode(std::string_view completion, const ExtractOptions& options) {
  std::string_view text = BetweenMarkers(completion);
  std::vector<FencedBlock> candidates;
  if (options.inside_fence) {
    // The completion continues a block the prompt opened: it runs to the first fence line.
    FencedBlock block;
    size_t pos = 0;
    while (pos < text.size()) {
      Line line = LineAt(text, pos);
      pos = line.next;
      Fence fence;
      if (ParseFence(line.text, &fence)) break;
      block.code.append(line.text);
      block.code.push_back('\n');
    }
    candidates.push_back(std::move(block));
    text = text.substr(pos);
  }
  for (FencedBlock& block : FindFencedBlocks(text)) {
    if (IsPythonLanguage(block.language)) candidates.push_back(std::move(block));
  }
  if (candidates.empty()) return std::string(text);
  if (!options.entry_point.empty()) {
    for (const FencedBlock& block : candidates) {
      if (FindTopLevelNames(block.code).Defines(options.entry_point)) return block.code;
    }
  }
  return candidates.front().code;
}

}  // namespace ilf::code
