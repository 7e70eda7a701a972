#include "feedback/execution.h"

#include <random>
#include <regex>
#include <sstream>

#include "src/code/syntax.h"
#include "src/core/error.h"
#include "tasks/approx.h"
#include "tasks/evaluation.h"

namespace ilf::feedback {
namespace {

using sandbox::TestStatus;
using sandbox::Verdict;

std::string Strip(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// A test as quoted in a note: one line, bounded.
std::string Quote(const std::string& test, size_t max_chars) {
  std::string text = Strip(test);
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > max_chars) text = text.substr(0, max_chars) + "...";
  return "`" + text + "`";
}

// Python string literal of `text` (for embedding the nonce).
std::string PyString(const std::string& text) { return "'" + text + "'"; }

std::string Limit(const std::string& note, int64_t max_words) {
  std::istringstream in(note);
  std::string word, out;
  int64_t words = 0;
  while (in >> word) {
    if (words == max_words) return out + " [...]";
    out += (words++ ? " " : "") + word;
  }
  return out;
}

// " at line 4 of the program (reached from lines 9, 6)": where an exception came from, from the
// sandbox's checked traceback lines (outermost first), never from what the program printed.
std::string WhereInProgram(const std::vector<int64_t>& lines) {
  if (lines.empty()) return "";
  std::string where = " at line " + std::to_string(lines.back()) + " of the program";
  if (lines.size() > 1) {
    where += lines.size() == 2 ? " (reached from line " : " (reached from lines ";
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      where += (i ? ", " : "") + std::to_string(lines[i]);
    }
    where += ")";
  }
  return where;
}

std::string NewNonce() {
  std::random_device device;
  std::ostringstream hex;
  hex << std::hex << device() << device() << device();
  return hex.str();
}

}  // namespace

std::string ScrubPaths(const std::string& text) {
  static const std::regex kFileLine(R"(File "<program>", line (\d+))");
  static const std::regex kParenProgram(R"(\(<program>, line (\d+)\))");
  static const std::regex kHarnessName(R"(<(program|setup|test \d+)>)");
  static const std::regex kAbsolutePath(R"((^|[\s'"(=:\[])/[^\s'"),:\]]+)");
  std::string out = std::regex_replace(text, kFileLine, "line $1");
  out = std::regex_replace(out, kParenProgram, "(line $1)");
  out = std::regex_replace(out, kHarnessName, "the $1");
  return std::regex_replace(out, kAbsolutePath, "$1<path>");
}

std::string InstrumentTest(const std::string& test, const std::string& nonce,
                           int64_t max_value_chars) {
  std::optional<tasks::EqualityAssert> parts = tasks::ParseEqualityAssert(test);
  if (!parts) return test;
  std::string limit = std::to_string(max_value_chars);
  // Runs in the trusted evaluator: LEFT once, the comparison as the original assert makes it, and
  // LEFT's repr as E sees it (plain data crosses by value; a program object shows as one).
  return "__ilf_actual = (" + parts->left +
         "\n)\n"
         "if not (__ilf_actual == (" +
         parts->right +
         "\n)):\n"
         "    __ilf_repr = repr(__ilf_actual)\n"
         "    if len(__ilf_repr) > " +
         limit +
         ":\n"
         "        __ilf_repr = __ilf_repr[:" +
         limit +
         "] + '...'\n"
         "    raise AssertionError(" +
         PyString("ilf-actual-" + nonce + ":") + " + __ilf_repr)\n";
}

std::string DescribeExecution(const std::vector<std::string>& tests,
                              const sandbox::ExecResult& result, const std::string& nonce,
                              const ExecutionOptions& options) {
  size_t total = tests.size(), passed = 0;
  int first_bad = -1;  // first test that did not pass
  for (size_t i = 0; i < result.tests.size(); ++i) {
    if (result.tests[i].status == TestStatus::kPassed) {
      ++passed;
    } else if (first_bad < 0) {
      first_bad = static_cast<int>(i);
    }
  }
  auto test_at = [&](int i) {
    return i >= 0 && static_cast<size_t>(i) < tests.size() ? Quote(tests[i], 200) : std::string();
  };
  std::string tally =
      " " + std::to_string(passed) + " of " + std::to_string(total) + " tests passed.";
  std::string during =
      first_bad >= 0 && result.tests[first_bad].status == TestStatus::kNotRun && passed > 0
          ? " while running the test " + test_at(first_bad) + "."
          : (first_bad >= 0 && passed > 0 ? " during the test " + test_at(first_bad) + "." : ".");
  std::string detail = ScrubPaths(result.detail);
  std::string note;
  switch (result.verdict) {
    case Verdict::kFail:
    case Verdict::kRuntimeError: {
      // The first test that failed or raised, described by what it did (a FAIL verdict may also
      // hold tests that raised, and the other way round).
      int first = -1;
      for (size_t i = 0; i < result.tests.size() && first < 0; ++i) {
        TestStatus status = result.tests[i].status;
        if (status == TestStatus::kFailed || status == TestStatus::kError)
          first = static_cast<int>(i);
      }
      if (first < 0 || static_cast<size_t>(first) >= tests.size()) {
        note = "The program failed before the tests could finish: " + detail + "." + tally;
        break;
      }
      const sandbox::TestOutcome& outcome = result.tests[first];
      std::string message = ScrubPaths(outcome.message);
      if (outcome.status == TestStatus::kError) {
        // Where: the program's lines, or else (an error of the test's own code) the test's line
        // when the test has several.
        std::string where = WhereInProgram(outcome.program_lines);
        if (where.empty() && outcome.test_line > 0 &&
            Strip(tests[first]).find('\n') != std::string::npos) {
          where = " at line " + std::to_string(outcome.test_line) + " of the test";
        }
        note = "The test " + test_at(first) + " raised " + outcome.exception_type +
               (message.empty() ? "" : ": " + message) + where + ".";
      } else {
        const std::string marker = "ilf-actual-" + nonce + ":";
        std::optional<tasks::EqualityAssert> parts = tasks::ParseEqualityAssert(tests[first]);
        if (parts && outcome.message.compare(0, marker.size(), marker) == 0) {
          std::string expected = parts->right;
          if (static_cast<int64_t>(expected.size()) > options.max_value_chars) {
            expected = expected.substr(0, options.max_value_chars) + "...";
          }
          note = "The test " + test_at(first) + " failed: " + Quote(parts->left, 120) +
                 " returned " + outcome.message.substr(marker.size()) + ", but the test expects " +
                 expected + ".";
        } else {
          note = "The test " + test_at(first) + " failed";
          note +=
              message.empty() || Strip(message) == Strip(tests[first]) ? "." : ": " + message + ".";
        }
      }
      note += tally;
      int others = 0;
      for (size_t i = first + 1; i < result.tests.size() && i < tests.size() && others < 2; ++i) {
        TestStatus status = result.tests[i].status;
        if (status == TestStatus::kFailed || status == TestStatus::kError) {
          note += (others++ ? ", " : " Also failing: ") + test_at(static_cast<int>(i));
        }
      }
      if (others) note += ".";
      break;
    }
    case Verdict::kCompileError:
      note = "The program is not valid Python: " + detail + ".";
      break;
    case Verdict::kTimeout:
      note = "The program did not finish in time (" + detail + ")" + during +
             " It may loop forever or be far too slow." + tally;
      break;
    case Verdict::kMemoryLimit:
      note = "The program used too much memory (" + detail + ")" + during + tally;
      break;
    case Verdict::kOutputLimit:
      note = "The program printed too much output (" + detail + ")" + during + tally;
      break;
    case Verdict::kBlocked:
      note =
          "The program was stopped for a forbidden system call (starting processes, sockets and "
          "similar are not allowed)" +
          during + tally;
      break;
    case Verdict::kPass:
    case Verdict::kSandboxError:
      return "";
  }
  return Limit(note, options.max_words);
}

ExecutionSource::ExecutionSource(const tasks::Suite& suite, sandbox::Sandbox& sandbox,
                                 ExecutionOptions options)
    : suite_(suite), sandbox_(sandbox), options_(options) {}

std::vector<FeedbackRecord> ExecutionSource::Run(const std::vector<FeedbackItem>& items) {
  const std::string nonce = NewNonce();
  std::vector<sandbox::ExecRequest> requests;
  std::vector<sandbox::ExecResult> results(items.size());
  std::vector<size_t> request_item;  // requests[j] runs items[request_item[j]]
  for (size_t i = 0; i < items.size(); ++i) {
    const FeedbackItem& item = items[i];
    // tree-sitter names line and column where CPython's message may give only the line.
    code::SyntaxCheck syntax = code::CheckSyntax(item.program);
    if (!syntax.ok) {
      results[i].verdict = Verdict::kCompileError;
      results[i].detail = "SyntaxError: " + syntax.ToString();
      results[i].tests.resize(item.task->tests.size());
      continue;
    }
    request_item.push_back(i);
    sandbox::ExecRequest request = tasks::RequestFor(suite_, *item.task, item.program, {});
    for (std::string& test : request.tests)
      test = InstrumentTest(test, nonce, options_.max_value_chars);
    requests.push_back(std::move(request));
  }
  std::vector<sandbox::ExecResult> ran = sandbox_.RunAll(requests);
  for (size_t j = 0; j < ran.size(); ++j) results[request_item[j]] = std::move(ran[j]);
  std::vector<FeedbackRecord> records;
  for (size_t i = 0; i < items.size(); ++i) {
    const FeedbackItem& item = items[i];
    FeedbackRecord record;
    record.task_id = item.task->task_id;
    record.sample_id = item.sample_id;
    record.feedback_id = DefaultFeedbackId("execution", record.task_id, record.sample_id);
    record.program = item.program;
    record.source = "execution";
    record.annotator = "ilf-execution";
    record.provenance = {{"verdict", sandbox::VerdictName(results[i].verdict)},
                         {"max_words", options_.max_words}};
    if (results[i].verdict == Verdict::kPass) {
      record.error =
          "the program passed every test when run again (the recorded failure did not reproduce)";
    } else if (results[i].verdict == Verdict::kSandboxError) {
      record.error = "the sandbox failed to run the program: " + results[i].detail;
    } else {
      record.feedback = DescribeExecution(item.task->tests, results[i], nonce, options_);
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace ilf::feedback
