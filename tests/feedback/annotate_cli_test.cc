// `ilf annotate` in a real pseudo-terminal (tmux): keys typed, answers saved and fsynced as given,
// a SIGKILL mid-way and a restart keep every answer and resume at the first unanswered item;
// without a terminal it exits 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "feedback/feedback.h"
#include "src/core/atomic_file.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

const char kResults[] =
    R"({"ilf_header": {"schema": "ilf.results", "version": 1}})"
    "\n"
    R"({"task_id": "11", "sample_id": "a", "verdict": "FAIL", "program": "def remove_Occ(s, ch):\n    return s\n", )"
    R"("tests": [{"status": "failed", "exception_type": "AssertionError", "message": ""}]})"
    "\n"
    R"({"task_id": "12", "sample_id": "a", "verdict": "RUNTIME_ERROR", "program": "def sort_matrix(M):\n    return 1 / 0\n", )"
    R"("tests": [{"status": "error", "exception_type": "ZeroDivisionError", "message": "division by zero"}]})"
    "\n"
    R"({"task_id": "13", "sample_id": "a", "verdict": "FAIL", "program": "def count_common(w):\n    return []\n"})"
    "\n"
    R"({"task_id": "14", "sample_id": "a", "verdict": "PASS", "program": "def find_Volume(l, b, h):\n    return l*b*h/2\n"})"
    "\n";

class AnnotateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FindData("mbpp/mbpp.jsonl").empty()) GTEST_SKIP() << "mbpp data not found";
    if (RunCommand("command -v tmux >/dev/null").exit_code != 0)
      GTEST_SKIP() << "tmux not installed";
    results_ = dir_.Write("results.jsonl", kResults);
    out_ = dir_.path() + "/feedback.jsonl";
    socket_ = "ilf-annotate-test-" + std::to_string(getpid());
  }
  void TearDown() override { RunCommand(Tmux("kill-server") + " 2>/dev/null"); }
  std::string Tmux(const std::string& args) { return "tmux -L " + socket_ + " " + args; }
  void Start() {
    std::string command = "exec env LANG=C.UTF-8 TERM=xterm-256color " + testing::IlfBinary() +
                          " annotate --suite mbpp --results " + results_ + " --out " + out_ +
                          " --annotator tester";
    ASSERT_EQ(RunCommand(Tmux("new-session -d -s a -x 110 -y 34 '" + command + "'")).exit_code, 0);
  }
  std::string Screen() { return RunCommand(Tmux("capture-pane -p -t a") + " 2>/dev/null").output; }
  // Waits (up to 30 s: the binary loads the suite first) until the screen shows `text`.
  bool WaitFor(const std::string& text) {
    for (int i = 0; i < 300; ++i) {
      if (Screen().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void Keys(const std::string& keys) {
    ASSERT_EQ(RunCommand(Tmux("send-keys -t a " + keys)).exit_code, 0);
  }
  std::vector<feedback::FeedbackRecord> Saved() { return feedback::ReadFeedback(out_); }

  ScratchDir dir_;
  std::string results_, out_, socket_;
};

TEST_F(AnnotateTest, AnswersSurviveSigkillAndTheRestartResumes) {
  Start();
  ASSERT_TRUE(WaitFor("item 1/3 | done 0, remaining 3")) << Screen();
  std::string screen = Screen();
  EXPECT_NE(screen.find("   1 def remove_Occ(s, ch):"), std::string::npos)
      << screen;  // line numbers
  EXPECT_NE(screen.find("assert remove_Occ(\"hello\",\"l\") == \"heo\""), std::string::npos)
      << screen;
  Keys("'It returns s unchanged.' Enter 'Drop the first and last ch.' C-s");
  ASSERT_TRUE(WaitFor("item 2/3 | done 1, remaining 2")) << Screen();
  EXPECT_NE(Screen().find("ZeroDivisionError: division by zero"), std::string::npos) << Screen();
  // Saved and fsynced before the next item is shown.
  std::vector<feedback::FeedbackRecord> saved = Saved();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].feedback, "It returns s unchanged.\nDrop the first and last ch.");
  EXPECT_EQ(saved[0].task_id, "11");
  EXPECT_EQ(saved[0].annotator, "tester");
  // An empty answer is refused; skip moves on without saving.
  Keys("C-s");
  ASSERT_TRUE(WaitFor("The feedback is empty")) << Screen();
  Keys("C-n");
  ASSERT_TRUE(WaitFor("item 3/3 | done 1")) << Screen();
  Keys("'Count the words.' C-s");
  ASSERT_TRUE(WaitFor("item 2/3 | done 2, remaining 1")) << Screen();  // back to the skipped one
  Keys("'Half typed'");
  ASSERT_TRUE(WaitFor("Half typed")) << Screen();
  ASSERT_EQ(RunCommand("kill -9 $(" + Tmux("list-panes -t a -F '#{pane_pid}'") + ")").exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(Saved().size(), 2u);
  RunCommand(Tmux("kill-server") + " 2>/dev/null");
  Start();
  ASSERT_TRUE(WaitFor("item 2/3 | done 2, remaining 1")) << Screen();
  EXPECT_EQ(Screen().find("Half typed"), std::string::npos);  // what was never saved is not there
  // Back to item 1 shows its saved answer; a revision replaces it (no duplicate record).
  Keys("C-b");
  ASSERT_TRUE(WaitFor("Drop the first and last ch.")) << Screen();
  Keys("' Twice.' C-s");
  ASSERT_TRUE(WaitFor("item 2/3 | done 2")) << Screen();
  Keys("'Sort by row sums.' C-s");
  ASSERT_TRUE(WaitFor("")) << Screen();
  for (int i = 0; i < 100 && Saved().size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  saved = Saved();
  ASSERT_EQ(saved.size(), 3u);
  std::map<std::string, std::string> by_task;
  for (const auto& r : saved) by_task[r.task_id] = r.feedback;
  EXPECT_EQ(by_task["11"], "It returns s unchanged.\nDrop the first and last ch. Twice.");
  EXPECT_EQ(by_task["12"], "Sort by row sums.");
  EXPECT_EQ(by_task["13"], "Count the words.");
}

TEST_F(AnnotateTest, WithoutATerminalExits2) {
  auto r = RunCommand(testing::IlfBinary() + " annotate --suite mbpp --results " + results_ +
                      " --out " + out_ + " </dev/null 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("needs a terminal"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ilf
