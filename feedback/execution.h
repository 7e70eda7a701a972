// Execution feedback: a reviewer's note written from what the sandbox saw, with no model.
//
// Each item's program is run again in the sandbox against its task's tests, with every
// `assert LEFT == RIGHT` test instrumented in the trusted evaluator (InstrumentTest): LEFT is
// evaluated once into a variable, compared, and on failure its repr travels back in the assertion
// message under a per-run nonce the program cannot know. So the "returned X" of a note is the value
// as the evaluator computed it, never as the program printed it (printed text is not read at all).
// The note (DescribeExecution) says, by verdict:
//   FAIL           the failing assert, the actual value, the expected one, how many tests passed;
//   RUNTIME_ERROR  the exception type and message, and the test that triggered it;
//   COMPILE_ERROR  the syntax error with the program's line (and column when known);
//   TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT, BLOCKED   what limit or call stopped it, during which
//   test.
// Paths (the sandbox's scratch folders, Python's installation) and the harness's file names
// (<program>, <test 0>) are removed. A note is deterministic and at most `max_words` words. An
// item whose run passes, or ends in SANDBOX_ERROR, becomes a record with `error` set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "feedback/feedback.h"
#include "sandbox/sandbox.h"
#include "tasks/suite.h"

namespace ilf::feedback {

struct ExecutionOptions {
  int64_t max_words = 160;        // budget of a note, in whitespace-separated words
  int64_t max_value_chars = 200;  // longest repr of an actual or expected value quoted
};

// The trusted test block that evaluates `assert LEFT == RIGHT[, MSG]` and reports LEFT's repr on
// failure as "ilf-actual-{nonce}:{repr}"; any other test is returned unchanged.
std::string InstrumentTest(const std::string& test, const std::string& nonce,
                           int64_t max_value_chars);

// The note for one run (pure). `tests` are the task's tests as written (before instrumenting).
std::string DescribeExecution(const std::vector<std::string>& tests,
                              const sandbox::ExecResult& result, const std::string& nonce,
                              const ExecutionOptions& options);

// Removes absolute paths and harness file names from an exception message or detail.
std::string ScrubPaths(const std::string& text);

class ExecutionSource : public FeedbackSource {
 public:
  // `suite` gives limits and approximate-float comparison; both must outlive the source.
  ExecutionSource(const tasks::Suite& suite, sandbox::Sandbox& sandbox,
                  ExecutionOptions options = {});
  std::vector<FeedbackRecord> Run(const std::vector<FeedbackItem>& items) override;

 private:
  const tasks::Suite& suite_;
  sandbox::Sandbox& sandbox_;
  ExecutionOptions options_;
};

}  // namespace ilf::feedback
