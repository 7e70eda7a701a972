#include "feedback/annotation.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "src/core/error.h"

namespace ilf::feedback {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

void AppendLine(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw EnvironmentError(path + ": cannot open for appending: " + std::strerror(errno));
  std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw EnvironmentError(path + ": write failed: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    throw EnvironmentError(path + ": fsync failed: " + std::strerror(err));
  }
  ::close(fd);
}

}  // namespace

AnswerLog::AnswerLog(std::string path) : path_(std::move(path)) {
  if (std::filesystem::exists(path_)) {
    records_ = ReadFeedback(path_);
  } else {
    WriteFeedback(path_, {});
  }
  for (size_t i = 0; i < records_.size(); ++i) {
    if (!index_.emplace(records_[i].feedback_id, i).second) {
      throw Error(path_ + ": feedback_id '" + records_[i].feedback_id + "' appears twice");
    }
  }
}

void AnswerLog::Save(const FeedbackRecord& record) {
  auto it = index_.find(record.feedback_id);
  if (it != index_.end()) {
    records_[it->second] = record;
    Rewrite();
    return;
  }
  AppendLine(path_, record.ToJson().dump());
  index_[record.feedback_id] = records_.size();
  records_.push_back(record);
}

const FeedbackRecord* AnswerLog::Find(const std::string& feedback_id) const {
  auto it = index_.find(feedback_id);
  return it == index_.end() ? nullptr : &records_[it->second];
}

void AnswerLog::Rewrite() { WriteFeedback(path_, records_); }

TextBuffer::TextBuffer(const std::string& text) {
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    lines_.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  line_ = lines_.size() - 1;
  column_ = lines_.back().size();
}

void TextBuffer::Insert(const std::string& utf8) {
  lines_[line_].insert(column_, utf8);
  column_ += utf8.size();
}

void TextBuffer::NewLine() {
  std::string rest = lines_[line_].substr(column_);
  lines_[line_].resize(column_);
  lines_.insert(lines_.begin() + static_cast<long>(line_) + 1, rest);
  ++line_;
  column_ = 0;
}

void TextBuffer::Backspace() {
  if (column_ == 0) {
    if (line_ == 0) return;
    column_ = lines_[line_ - 1].size();
    lines_[line_ - 1] += lines_[line_];
    lines_.erase(lines_.begin() + static_cast<long>(line_));
    --line_;
    return;
  }
  size_t begin = column_ - 1;
  while (begin > 0 && IsContinuation(lines_[line_][begin])) --begin;
  lines_[line_].erase(begin, column_ - begin);
  column_ = begin;
}

void TextBuffer::Delete() {
  if (column_ == lines_[line_].size()) {
    if (line_ + 1 == lines_.size()) return;
    lines_[line_] += lines_[line_ + 1];
    lines_.erase(lines_.begin() + static_cast<long>(line_) + 1);
    return;
  }
  Right();
  Backspace();
}

void TextBuffer::Left() {
  if (column_ == 0) {
    if (line_ > 0) column_ = lines_[--line_].size();
    return;
  }
  --column_;
  while (column_ > 0 && IsContinuation(lines_[line_][column_])) --column_;
}

void TextBuffer::Right() {
  const std::string& l = lines_[line_];
  if (column_ == l.size()) {
    if (line_ + 1 < lines_.size()) {
      ++line_;
      column_ = 0;
    }
    return;
  }
  ++column_;
  while (column_ < l.size() && IsContinuation(l[column_])) ++column_;
}

namespace {
// Byte offset of character `chars` in `line` (clamped to its end).
size_t ByteOfChar(const std::string& line, size_t chars) {
  size_t byte = 0;
  while (byte < line.size() && chars > 0) {
    ++byte;
    while (byte < line.size() && IsContinuation(line[byte])) ++byte;
    --chars;
  }
  return byte;
}
}  // namespace

void TextBuffer::Up() {
  if (line_ == 0) return;
  size_t chars = DisplayColumn();
  --line_;
  column_ = ByteOfChar(lines_[line_], chars);
}

void TextBuffer::Down() {
  if (line_ + 1 == lines_.size()) return;
  size_t chars = DisplayColumn();
  ++line_;
  column_ = ByteOfChar(lines_[line_], chars);
}

std::string TextBuffer::Text() const {
  std::string out;
  for (size_t i = 0; i < lines_.size(); ++i) out += (i ? "\n" : "") + lines_[i];
  return out;
}

size_t TextBuffer::DisplayColumn() const {
  size_t chars = 0;
  for (size_t i = 0; i < column_; ++i) chars += !IsContinuation(lines_[line_][i]);
  return chars;
}

std::vector<ColoredSpan> ColorPythonLine(const std::string& line) {
  static const std::set<std::string> kKeywords = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  static const std::set<std::string> kBuiltins = {
      "print", "len", "range", "int",    "str",       "list", "dict", "set",    "tuple",
      "sum",   "min", "max",   "sorted", "enumerate", "zip",  "map",  "filter", "abs"};
  std::vector<ColoredSpan> spans;
  auto add = [&](size_t begin, size_t end, TokenClass cls) {
    if (begin == end) return;
    if (!spans.empty() && spans.back().cls == cls && spans.back().end == begin) {
      spans.back().end = end;
    } else {
      spans.push_back({begin, end, cls});
    }
  };
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == '#') {
      add(i, line.size(), TokenClass::kComment);
      break;
    }
    if (c == '"' || c == '\'') {
      std::string quote =
          line.compare(i, 3, std::string(3, c)) == 0 ? std::string(3, c) : std::string(1, c);
      size_t j = i + quote.size();
      while (j < line.size() && line.compare(j, quote.size(), quote) != 0)
        j += line[j] == '\\' ? 2 : 1;
      j = std::min(line.size(), j + quote.size());
      add(i, j, TokenClass::kString);
      i = j;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) ||
                                 line[j] == '.' || line[j] == '_'))
        ++j;
      add(i, j, TokenClass::kNumber);
      i = j;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
        static_cast<unsigned char>(c) >= 0x80) {
      size_t j = i;
      while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) ||
                                 line[j] == '_' || static_cast<unsigned char>(line[j]) >= 0x80)) {
        ++j;
      }
      std::string word = line.substr(i, j - i);
      add(i, j,
          kKeywords.count(word)   ? TokenClass::kKeyword
          : kBuiltins.count(word) ? TokenClass::kBuiltin
                                  : TokenClass::kPlain);
      i = j;
      continue;
    }
    add(i, i + 1, TokenClass::kPlain);
    ++i;
  }
  return spans;
}

std::string EncodeUtf8(uint32_t cp) {
  std::string out;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

}  // namespace ilf::feedback
