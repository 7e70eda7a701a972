// Issue 14 "Interrupts": Ctrl-C on a terminal (SIGINT to the foreground process group) or SIGTERM
// stops `ilf eval` promptly: executions in flight are killed, exit status 130, the previous output
// is left intact with no partial file, and every helper is gone. Run through a pseudo-terminal so
// the signal reaches the process group as a user's Ctrl-C does.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "src/core/atomic_file.h"
#include "tests/sandbox/host_facts.h"
#include "tests/support/test_data.h"

namespace ilf::testing {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Outcome {
  int status = -1;             // wait status
  double ms_after_signal = 0;  // from the signal to the exit
  std::string output;          // what ilf wrote on the terminal
};

// Runs `ilf eval` on a pty; after `delay_ms`, types Ctrl-C (or sends `signal` to ilf's pid).
Outcome InterruptEval(const std::vector<std::string>& args, int delay_ms, int signal) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    std::vector<char*> argv;
    std::string ilf = IlfBinary();
    argv.push_back(ilf.data());
    std::vector<std::string> copy = args;
    for (std::string& arg : copy) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(ilf.c_str(), argv.data());
    _exit(127);
  }
  Outcome outcome;
  const Clock::time_point start = Clock::now();
  Clock::time_point signalled;
  bool sent = false;
  char buffer[4096];
  while (true) {
    if (!sent && MsSince(start) >= delay_ms) {
      if (signal == SIGINT) {
        (void)!write(master, "\x03", 1);  // the terminal turns it into SIGINT for the group
      } else {
        kill(pid, signal);
      }
      signalled = Clock::now();
      sent = true;
    }
    pollfd fd = {master, POLLIN, 0};
    if (poll(&fd, 1, 20) > 0) {
      ssize_t n = read(master, buffer, sizeof buffer);
      if (n > 0) outcome.output.append(buffer, static_cast<size_t>(n));
    }
    if (waitpid(pid, &outcome.status, WNOHANG) == pid) break;
    if (MsSince(start) > 60000) {
      kill(pid, SIGKILL);
      waitpid(pid, &outcome.status, 0);
      break;
    }
  }
  outcome.ms_after_signal = sent ? MsSince(signalled) : -1;
  close(master);
  return outcome;
}

class InterruptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sandbox::testing::BecomeSubreaper(); }

  void SetUp() override {
    manifest_ = dir_.Write(
        "suite.json", "{\"name\": \"spin\", \"file\": \"spin.jsonl\", \"time_limit_ms\": 3000}\n");
    dir_.Write("spin.jsonl",
               "{\"task_id\": \"1\", \"text\": \"f returns 1\", \"tests\": [\"assert f() == 1\"], "
               "\"reference\": \"def f():\\n    return 1\\n\"}\n");
    std::string samples;
    for (int i = 0; i < 10; ++i) {
      samples +=
          "{\"task_id\": \"1\", \"solution\": \"def f():\\n    while True:\\n        pass\\n\"}\n";
    }
    samples_ = dir_.Write("samples.jsonl", samples);
    out_ = dir_.path() + "/out";
    std::filesystem::create_directories(out_);
    dir_.Write("out/summary.json", "previous summary\n");
    dir_.Write("out/results.jsonl", "previous results\n");
  }

  void ExpectStoppedCleanly(const Outcome& outcome) {
    ASSERT_TRUE(WIFEXITED(outcome.status)) << outcome.output;
    EXPECT_EQ(WEXITSTATUS(outcome.status), 130) << outcome.output;
    EXPECT_LT(outcome.ms_after_signal, 1500) << outcome.output;
    EXPECT_EQ(ReadFile(out_ + "/summary.json"), "previous summary\n");
    EXPECT_EQ(ReadFile(out_ + "/results.jsonl"), "previous results\n");
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(out_)) {
      ++files;
      EXPECT_TRUE(entry.path().filename() == "summary.json" ||
                  entry.path().filename() == "results.jsonl")
          << "partial file left: " << entry.path();
    }
    EXPECT_EQ(files, 2u);
    usleep(200000);  // orphans, if any, are re-parented to this test (a subreaper)
    for (const sandbox::testing::ProcessInfo& p : sandbox::testing::Descendants()) {
      ADD_FAILURE() << "left behind: pid " << p.pid << " (" << p.comm << ")";
    }
  }

  std::vector<std::string> Args() const {
    // --force: out_ holds an earlier evaluation, which an interrupted one must leave intact.
    return {"eval", "--suite",   manifest_, "--samples", samples_, "--k",
            "1",    "--workers", "2",       "--out",     out_,     "--force"};
  }

  ScratchDir dir_;
  std::string manifest_, samples_, out_;
};

TEST_F(InterruptTest, CtrlCOnTheTerminalStopsEvalAt130) {
  Outcome outcome = InterruptEval(Args(), 1500, SIGINT);
  ExpectStoppedCleanly(outcome);
  EXPECT_NE(outcome.output.find("interrupted"), std::string::npos) << outcome.output;
}

TEST_F(InterruptTest, SigtermStopsEvalAt130) {
  ExpectStoppedCleanly(InterruptEval(Args(), 1500, SIGTERM));
}

// Early, while the sandbox helpers are still starting: the helpers die of the same Ctrl-C, and
// ilf reports the interruption (130), not a helper that "exited before saying hello".
TEST_F(InterruptTest, CtrlCWhileHelpersStartStopsEvalAt130) {
  Outcome outcome = InterruptEval(Args(), 150, SIGINT);
  ExpectStoppedCleanly(outcome);
  EXPECT_EQ(outcome.output.find("before saying hello"), std::string::npos) << outcome.output;
}

TEST_F(InterruptTest, SigtermWhileHelpersStartStopsEvalAt130) {
  Outcome outcome = InterruptEval(Args(), 150, SIGTERM);
  ExpectStoppedCleanly(outcome);
  EXPECT_EQ(outcome.output.find("before saying hello"), std::string::npos) << outcome.output;
}

}  // namespace
}  // namespace ilf::testing
