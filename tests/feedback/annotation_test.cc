// The pieces of `ilf annotate` without a terminal: the answer log, the text buffer, the colours.
#include <gtest/gtest.h>

#include "feedback/annotation.h"
#include "src/core/atomic_file.h"
#include "tests/support/test_data.h"

namespace ilf::feedback {
namespace {

FeedbackRecord Answer(const std::string& sample, const std::string& text) {
  FeedbackRecord r;
  r.feedback_id = DefaultFeedbackId("human", "11", sample);
  r.task_id = "11";
  r.sample_id = sample;
  r.program = "def f(): pass\n";
  r.feedback = text;
  r.source = "human";
  return r;
}

TEST(AnswerLogTest, AppendsNewAnswersRewritesRevisionsAndReopens) {
  testing::ScratchDir dir;
  std::string path = dir.path() + "/f.jsonl";
  {
    AnswerLog log(path);
    EXPECT_EQ(ReadFeedback(path).size(), 0u);  // created with its header
    log.Save(Answer("a", "first"));
    std::string after_one = ReadFile(path);
    log.Save(Answer("b", "second"));
    // Appended: the file grew by one line and kept its beginning.
    EXPECT_EQ(ReadFile(path).compare(0, after_one.size(), after_one), 0);
    log.Save(Answer("a", "first, revised"));
    EXPECT_EQ(log.size(), 2u);
  }
  AnswerLog reopened(path);
  ASSERT_EQ(reopened.size(), 2u);
  EXPECT_EQ(reopened.Find("human-11-a")->feedback, "first, revised");
  EXPECT_EQ(reopened.Find("human-11-b")->feedback, "second");
  EXPECT_EQ(reopened.Find("human-11-c"), nullptr);
  std::string bad =
      dir.Write("bad.jsonl", R"({"ilf_header": {"schema": "ilf.feedback", "version": 1}})"
                             "\n{oops\n");
  EXPECT_NE(testing::ErrorOf([&] { AnswerLog log(bad); }).find("bad.jsonl:2"), std::string::npos);
}

TEST(TextBufferTest, EditsLinesAndMovesOverUtf8Characters) {
  TextBuffer b;
  b.Insert("ab");
  b.NewLine();
  b.Insert("c");
  b.Insert("é");  // two bytes
  EXPECT_EQ(b.Text(), "ab\ncé");
  EXPECT_EQ(b.DisplayColumn(), 2u);
  b.Left();
  EXPECT_EQ(b.column(), 1u);
  b.Backspace();
  EXPECT_EQ(b.Text(), "ab\né");
  b.Backspace();  // joins with the line above
  EXPECT_EQ(b.Text(), "abé");
  EXPECT_EQ(b.line(), 0u);
  EXPECT_EQ(b.column(), 2u);
  b.Delete();
  EXPECT_EQ(b.Text(), "ab");
  TextBuffer c("one\ntwo longer");
  EXPECT_EQ(c.line(), 1u);
  c.Up();
  EXPECT_EQ(c.column(), 3u);  // clamped to the shorter line
  c.Home();
  c.Insert("> ");
  EXPECT_EQ(c.Text(), "> one\ntwo longer");
}

TEST(ColorPythonLineTest, ClassifiesTokensAndCoversTheLine) {
  std::string line = "    return len(s) + 10  # 'done'";
  std::vector<ColoredSpan> spans = ColorPythonLine(line);
  std::string joined;
  size_t expected_begin = 0;
  std::map<std::string, TokenClass> found;
  for (const ColoredSpan& s : spans) {
    EXPECT_EQ(s.begin, expected_begin);
    expected_begin = s.end;
    found[line.substr(s.begin, s.end - s.begin)] = s.cls;
  }
  EXPECT_EQ(expected_begin, line.size());
  EXPECT_EQ(found["return"], TokenClass::kKeyword);
  EXPECT_EQ(found["len"], TokenClass::kBuiltin);
  EXPECT_EQ(found["10"], TokenClass::kNumber);
  EXPECT_EQ(found["# 'done'"], TokenClass::kComment);
  std::vector<ColoredSpan> str = ColorPythonLine("x = 'a # b'");
  EXPECT_EQ(str.back().cls, TokenClass::kString);
  EXPECT_EQ(EncodeUtf8(0xE9), "é");
  EXPECT_EQ(EncodeUtf8(0x1F600), "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace ilf::feedback
