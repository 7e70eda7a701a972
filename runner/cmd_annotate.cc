// `ilf annotate`: a terminal interface (ncurses) for a person writing feedback on incorrect
// programs. The items are those `ilf feedback` would choose from RESULTS.jsonl; answers go to an
// ilf.feedback file through feedback::AnswerLog (appended and fsynced as each is given), so a quit
// or a kill loses nothing and the same command resumes at the first unanswered item.
#include <curses.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>

#include "feedback/annotation.h"
#include "feedback/feedback.h"
#include "feedback/run_feedback.h"
#include "runner/cli.h"
#include "runner/commands.h"
#include "src/core/error.h"
#include "tasks/suite.h"

namespace ilf {
namespace {

using feedback::TokenClass;

constexpr int kCtrlB = 2, kCtrlC = 3, kCtrlN = 14, kCtrlQ = 17, kCtrlS = 19;
enum Pair : short { kKeyword = 1, kString, kComment, kNumber, kBuiltin, kHeader, kDim, kBad };

// Owns curses mode: endwin() however the command ends.
class Screen {
 public:
  Screen() {
    initscr();
    raw();
    noecho();
    keypad(stdscr, TRUE);
    if (has_colors()) {
      start_color();
      use_default_colors();
      init_pair(kKeyword, COLOR_BLUE, -1);
      init_pair(kString, COLOR_GREEN, -1);
      init_pair(kComment, COLOR_CYAN, -1);
      init_pair(kNumber, COLOR_MAGENTA, -1);
      init_pair(kBuiltin, COLOR_YELLOW, -1);
      init_pair(kHeader, COLOR_BLACK, COLOR_WHITE);
      init_pair(kDim, COLOR_WHITE, -1);
      init_pair(kBad, COLOR_RED, -1);
    }
  }
  ~Screen() { endwin(); }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;
};

short PairOf(TokenClass cls) {
  switch (cls) {
    case TokenClass::kKeyword:
      return kKeyword;
    case TokenClass::kString:
      return kString;
    case TokenClass::kComment:
      return kComment;
    case TokenClass::kNumber:
      return kNumber;
    case TokenClass::kBuiltin:
      return kBuiltin;
    case TokenClass::kPlain:
      return 0;
  }
  return 0;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Text lines wrapped at `width` bytes (the task text).
std::vector<std::string> Wrap(const std::string& text, int width) {
  std::vector<std::string> out;
  for (const std::string& line : SplitLines(text)) {
    std::string rest = line;
    while (static_cast<int>(rest.size()) > width) {
      size_t cut = rest.rfind(' ', width);
      if (cut == std::string::npos || cut == 0) cut = width;
      out.push_back(rest.substr(0, cut));
      rest = rest.substr(cut + (rest[cut] == ' '));
    }
    out.push_back(rest);
  }
  return out;
}

struct View {
  const std::vector<feedback::FeedbackItem>* items = nullptr;
  size_t current = 0;
  size_t answered = 0;
  int program_scroll = 0;
  std::string status;
};

void DrawProgram(const std::string& program, int top, int rows, int scroll, int width) {
  std::vector<std::string> lines = SplitLines(program);
  for (int r = 0; r < rows && scroll + r < static_cast<int>(lines.size()); ++r) {
    const std::string& line = lines[scroll + r];
    attron(COLOR_PAIR(kDim) | A_DIM);
    mvprintw(top + r, 0, "%4d ", scroll + r + 1);
    attroff(COLOR_PAIR(kDim) | A_DIM);
    int room = width - 5;
    for (const feedback::ColoredSpan& span : feedback::ColorPythonLine(line)) {
      if (room <= 0) break;
      int n = std::min<int>(room, static_cast<int>(span.end - span.begin));
      short pair = PairOf(span.cls);
      if (pair) attron(COLOR_PAIR(pair));
      if (span.cls == TokenClass::kKeyword) attron(A_BOLD);
      addnstr(line.data() + span.begin, n);
      if (span.cls == TokenClass::kKeyword) attroff(A_BOLD);
      if (pair) attroff(COLOR_PAIR(pair));
      room -= n;
    }
  }
  int below = static_cast<int>(lines.size()) - scroll - rows;
  if (below > 0) mvprintw(top + rows - 1, 0, "     ... %d more lines (PgDn)", below);
}

std::vector<std::string> FailingTests(const feedback::FeedbackItem& item) {
  std::vector<std::string> out;
  if (!item.result) return out;
  const Json& record = item.result->value;
  if (record.contains("tests") && record["tests"].is_array()) {
    for (size_t i = 0; i < record["tests"].size() && i < item.task->tests.size(); ++i) {
      std::string status = feedback::TestField(*item.result, i, "status");
      if (status != "failed" && status != "error") continue;
      std::string line = item.task->tests[i];
      std::string message = feedback::TestField(*item.result, i, "message");
      std::string type = feedback::TestField(*item.result, i, "exception_type");
      if (status == "error")
        line = "[" + type + (message.empty() ? "" : ": " + message) + "] " + line;
      out.push_back(line);
    }
  }
  if (out.empty() && record.contains("detail") && record["detail"].is_string()) {
    out.push_back(record["detail"].get<std::string>());
  }
  return out;
}

void Draw(const View& view, const feedback::TextBuffer& buffer) {
  erase();
  int height = LINES, width = COLS;
  const feedback::FeedbackItem& item = (*view.items)[view.current];
  size_t total = view.items->size();
  std::string header = " ilf annotate | task " + item.task->task_id + " | sample " +
                       item.sample_id + " | item " + std::to_string(view.current + 1) + "/" +
                       std::to_string(total) + " | done " + std::to_string(view.answered) +
                       ", remaining " + std::to_string(total - view.answered) + " ";
  attron(COLOR_PAIR(kHeader) | A_REVERSE);
  mvhline(0, 0, ' ', width);
  mvaddnstr(0, 0, header.c_str(), width);
  attroff(COLOR_PAIR(kHeader) | A_REVERSE);
  int row = 1;
  attron(A_BOLD);
  mvaddstr(row++, 0, "TASK");
  attroff(A_BOLD);
  std::vector<std::string> task_lines = Wrap(item.task->text, width - 2);
  for (size_t i = 0; i < task_lines.size() && i < 4; ++i)
    mvaddnstr(row++, 2, task_lines[i].c_str(), width - 2);
  std::vector<std::string> failures = FailingTests(item);
  int editor_rows = std::max(4, height / 4);
  int failure_rows = std::min<int>(3, static_cast<int>(failures.size()));
  int program_rows = std::max(3, height - row - 1 - (failure_rows + 1) - (editor_rows + 1) - 2);
  attron(A_BOLD);
  mvaddstr(row++, 0, "INCORRECT PROGRAM");
  attroff(A_BOLD);
  DrawProgram(item.program, row, program_rows, view.program_scroll, width);
  row += program_rows;
  attron(A_BOLD);
  mvaddstr(row++, 0, "FAILING TESTS");
  attroff(A_BOLD);
  for (int i = 0; i < failure_rows; ++i) {
    attron(COLOR_PAIR(kBad));
    mvaddnstr(row++, 2, failures[i].c_str(), width - 2);
    attroff(COLOR_PAIR(kBad));
  }
  attron(A_BOLD);
  mvaddstr(row++, 0, "YOUR FEEDBACK (what is wrong, how to fix it)");
  attroff(A_BOLD);
  int editor_top = row;
  int first = std::max(0, static_cast<int>(buffer.line()) - editor_rows + 1);
  for (int r = 0; r < editor_rows && first + r < static_cast<int>(buffer.lines().size()); ++r) {
    mvaddnstr(editor_top + r, 2, buffer.lines()[first + r].c_str(), width - 3);
  }
  std::string help =
      "Ctrl-S save & next  Ctrl-N skip  Ctrl-B back  Ctrl-Q quit  PgUp/PgDn scroll program";
  attron(A_DIM);
  mvaddnstr(height - 1, 0, help.c_str(), width);
  attroff(A_DIM);
  if (!view.status.empty()) {
    attron(A_BOLD);
    mvaddnstr(height - 2, 0, view.status.c_str(), width);
    attroff(A_BOLD);
  }
  move(editor_top + static_cast<int>(buffer.line()) - first,
       2 + std::min<int>(width - 3, static_cast<int>(buffer.DisplayColumn())));
  refresh();
}

std::string Id(const feedback::FeedbackItem& item) {
  return feedback::DefaultFeedbackId("human", item.task->task_id, item.sample_id);
}

}  // namespace

int RunAnnotate(int argc, char** argv) {
  CLI::App app{
      "Write feedback on incorrect programs in the terminal. Shows the task, the program with line "
      "numbers and colours, and its failing tests; each answer is appended to OUT and fsynced at "
      "once, "
      "and the same command resumes at the first unanswered item.",
      "ilf annotate"};
  std::string suite_spec, results, out, annotator;
  int64_t per_task = 1;
  uint64_t seed = 0;
  app.add_option("--suite", suite_spec, "NAME[:SPLIT] or MANIFEST.json[:SPLIT]")->required();
  app.add_option("--results", results, "results.jsonl of `ilf eval`")->required();
  app.add_option("--out", out, "feedback JSONL (ilf.feedback) to append answers to")->required();
  app.add_option("--per-task", per_task, "incorrect programs per task at most")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--seed", seed, "seeds the choice of programs")->capture_default_str();
  app.add_option("--annotator", annotator,
                 "your name or id, saved in each record (default: $USER)");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    throw Error(
        "ilf annotate needs a terminal (stdin and stdout must be a TTY); run it in one, or give "
        "feedback in a file with `ilf feedback --source human:FILE`");
  }
  if (annotator.empty())
    annotator = std::getenv("USER") != nullptr ? std::getenv("USER") : "annotator";
  std::unique_ptr<tasks::SuiteSelection> selection = tasks::SelectSuite(suite_spec);
  std::vector<feedback::FeedbackItem> items =
      feedback::ItemsFromResults(results, *selection, per_task, seed);
  if (items.empty())
    throw Error(results + ": no incorrect programs of tasks without a passing sample to annotate");
  feedback::AnswerLog log(out);

  View view;
  view.items = &items;
  auto count_answered = [&] {
    size_t n = 0;
    for (const auto& item : items) n += log.Find(Id(item)) != nullptr;
    return n;
  };
  auto first_unanswered = [&](size_t from) -> std::optional<size_t> {
    for (size_t k = 0; k < items.size(); ++k) {
      size_t i = (from + k) % items.size();
      if (log.Find(Id(items[i])) == nullptr) return i;
    }
    return std::nullopt;
  };
  view.answered = count_answered();
  std::optional<size_t> start = first_unanswered(0);
  if (!start) {
    std::printf("all %zu items are answered in %s\n", items.size(), out.c_str());
    return kExitOk;
  }
  view.current = *start;
  auto load_buffer = [&] {
    const feedback::FeedbackRecord* saved = log.Find(Id(items[view.current]));
    return feedback::TextBuffer(saved ? saved->feedback : "");
  };

  std::setlocale(LC_ALL, "");
  {
    Screen screen;
    feedback::TextBuffer buffer = load_buffer();
    bool done = false;
    while (!done) {
      Draw(view, buffer);
      wint_t key = 0;
      int kind = get_wch(&key);
      if (kind == ERR) continue;
      view.status.clear();
      if (kind == KEY_CODE_YES) {
        switch (key) {
          case KEY_LEFT:
            buffer.Left();
            break;
          case KEY_RIGHT:
            buffer.Right();
            break;
          case KEY_UP:
            buffer.Up();
            break;
          case KEY_DOWN:
            buffer.Down();
            break;
          case KEY_HOME:
            buffer.Home();
            break;
          case KEY_END:
            buffer.End();
            break;
          case KEY_BACKSPACE:
            buffer.Backspace();
            break;
          case KEY_DC:
            buffer.Delete();
            break;
          case KEY_ENTER:
            buffer.NewLine();
            break;
          case KEY_NPAGE:
            view.program_scroll += 10;
            break;
          case KEY_PPAGE:
            view.program_scroll = std::max(0, view.program_scroll - 10);
            break;
          default:
            break;
        }
        int program_lines = static_cast<int>(SplitLines(items[view.current].program).size());
        view.program_scroll = std::min(view.program_scroll, std::max(0, program_lines - 1));
        continue;
      }
      switch (key) {
        case kCtrlS: {
          std::string text = buffer.Text();
          if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
            view.status = "The feedback is empty: write what is wrong, or skip with Ctrl-N.";
            break;
          }
          const feedback::FeedbackItem& item = items[view.current];
          feedback::FeedbackRecord record;
          record.feedback_id = Id(item);
          record.task_id = item.task->task_id;
          record.sample_id = item.sample_id;
          record.program = item.program;
          record.feedback = text;
          record.source = "human";
          record.annotator = annotator;
          record.provenance = {
              {"tool", "ilf annotate"}, {"results", results}, {"suite", suite_spec}};
          log.Save(record);
          view.answered = count_answered();
          std::optional<size_t> next = first_unanswered(view.current + 1);
          if (!next) {
            done = true;
            break;
          }
          view.current = *next;
          view.program_scroll = 0;
          buffer = load_buffer();
          view.status = "Saved.";
          break;
        }
        case kCtrlN:
          view.current = (view.current + 1) % items.size();
          view.program_scroll = 0;
          buffer = load_buffer();
          break;
        case kCtrlB:
          view.current = (view.current + items.size() - 1) % items.size();
          view.program_scroll = 0;
          buffer = load_buffer();
          break;
        case kCtrlQ:
        case kCtrlC:
          done = true;
          break;
        case '\n':
        case '\r':
          buffer.NewLine();
          break;
        case 127:
        case '\b':
          buffer.Backspace();
          break;
        default:
          if (key >= 32 || key == '\t')
            buffer.Insert(feedback::EncodeUtf8(key == '\t' ? ' ' : key));
          break;
      }
    }
  }
  std::printf("%zu of %zu items answered; saved in %s\n", view.answered, items.size(), out.c_str());
  return kExitOk;
}

}  // namespace ilf
