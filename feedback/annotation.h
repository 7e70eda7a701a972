// What `ilf annotate` keeps between keystrokes and across runs, without the terminal: the answer
// log, the editor's text buffer and the colours of a program line. Pure or file-only, so tests can
// drive them without ncurses.
//
// AnswerLog: the output file is an ilf.feedback artifact written as a log. The header is written
// when the file is created; each new answer is appended as one line with a single write(2) and
// fsync(2) before Save returns, so a quit, a crash or a SIGKILL loses nothing already saved, and a
// restart resumes at the first item without an answer. Revising an answer (after "back") rewrites
// the file atomically (src/core/atomic_file.h) with the record replaced, so the file never holds
// two records for one item and stays readable by ReadFeedback and `ilf pairs`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "feedback/feedback.h"

namespace ilf::feedback {

class AnswerLog {
 public:
  // Opens `path`, creating it with the ilf.feedback header when absent; an existing file is read
  // (errors name file:line) and its records become the answers so far.
  explicit AnswerLog(std::string path);
  // Saves `record` (keyed by feedback_id): appended and fsynced when new, rewritten when revised.
  void Save(const FeedbackRecord& record);
  // The saved record with this feedback_id, or nullptr.
  const FeedbackRecord* Find(const std::string& feedback_id) const;
  size_t size() const { return records_.size(); }

 private:
  void Rewrite();
  std::string path_;
  std::vector<FeedbackRecord> records_;
  std::map<std::string, size_t> index_;  // feedback_id -> position in records_
};

// A multi-line text being edited: lines of UTF-8 and a cursor (line, byte column at a character
// boundary). Every edit keeps the cursor valid.
class TextBuffer {
 public:
  explicit TextBuffer(const std::string& text = "");
  void Insert(const std::string& utf8);  // a character (or several) at the cursor
  void NewLine();
  void Backspace();  // deletes the character before the cursor, joins lines
  void Delete();     // deletes the character at the cursor, joins lines
  void Left();
  void Right();
  void Up();
  void Down();
  void Home() { column_ = 0; }
  void End() { column_ = lines_[line_].size(); }
  std::string Text() const;  // lines joined with '\n'
  const std::vector<std::string>& lines() const { return lines_; }
  size_t line() const { return line_; }
  size_t column() const { return column_; }  // bytes into lines()[line()]
  // The cursor's column in characters (code points), for drawing.
  size_t DisplayColumn() const;

 private:
  std::vector<std::string> lines_;
  size_t line_ = 0;
  size_t column_ = 0;
};

// Syntax classes of Python source for colouring.
enum class TokenClass { kPlain, kKeyword, kString, kComment, kNumber, kBuiltin };
struct ColoredSpan {
  size_t begin = 0;  // byte offsets into the line
  size_t end = 0;
  TokenClass cls = TokenClass::kPlain;
};
// The spans of one line of Python (a lexer, not a parser: a string continued from an earlier line
// is not known). Spans cover the line in order, without gaps.
std::vector<ColoredSpan> ColorPythonLine(const std::string& line);

// The UTF-8 encoding of a code point (U+FFFD for an invalid one).
std::string EncodeUtf8(uint32_t code_point);

}  // namespace ilf::feedback
