#include "feedback/model_source.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "feedback/human_file.h"
#include "src/core/error.h"
#include "src/core/hash.h"
#include "src/core/log.h"
#include "src/core/paths.h"

namespace ilf::feedback {
namespace {

const char kInstruction[] =
    "Below is a Python programming task and an incorrect program written for it, followed by "
    "feedback from an expert reviewer that explains what is wrong with the program and how to fix "
    "it, in plain words.\n\n";

// Where a model's feedback ends: the next section of the prompt format, or code.
const char* const kEndMarkers[] = {"TASK:", "INCORRECT PROGRAM:", "FAILING TESTS:", "FEEDBACK:",
                                   "```",   "<|endoftext|>",      "<|im_end|>"};

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

std::string Section(const std::string& task_text, const std::string& program,
                    const std::string& failures) {
  std::string out =
      "TASK:\n" + Trim(task_text) + "\n\nINCORRECT PROGRAM:\n" + Trim(program) + "\n\n";
  if (!failures.empty()) out += "FAILING TESTS:\n" + failures + "\n";
  return out + "FEEDBACK:\n";
}

}  // namespace

std::string ModelFeedbackPrompt(const std::string& task_text, const std::string& program,
                                const std::string& failures, const std::vector<Shot>& shots) {
  std::string prompt = kInstruction;
  for (const Shot& shot : shots) {
    prompt += Section(shot.task_text, shot.program, "") + Trim(shot.feedback) + "\n\n";
  }
  return prompt + Section(task_text, program, failures);
}

std::string FailingTestsOf(const tasks::Task& task, const JsonlRecord& result) {
  if (!result.Has("tests") || !result.value["tests"].is_array()) return "";
  std::string out;
  int shown = 0;
  const Json& tests = result.value["tests"];
  for (size_t i = 0; i < tests.size() && i < task.tests.size() && shown < 3; ++i) {
    std::string status = TestField(result, i, "status");
    if (status != "failed" && status != "error") continue;
    std::string message = TestField(result, i, "message");
    std::string type = TestField(result, i, "exception_type");
    out += Trim(task.tests[i]);
    if (status == "error")
      out += "  # raised " + type + (message.empty() ? "" : ": " + message.substr(0, 200));
    out += "\n";
    ++shown;
  }
  if (shown == 0 && result.Has("detail") && result.value["detail"].is_string()) {
    out = result.value["detail"].get<std::string>().substr(0, 300) + "\n";
  }
  return out;
}

std::string CleanModelFeedback(const std::string& raw, const std::string& program) {
  std::string text = raw;
  for (const char* marker : kEndMarkers) {
    size_t at = text.find(marker);
    if (at != std::string::npos) text.resize(at);
  }
  std::set<std::string> program_lines;
  std::istringstream program_in(program);
  for (std::string line; std::getline(program_in, line);) {
    if (Trim(line).size() >= 8) program_lines.insert(Trim(line));
  }
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (program_lines.count(Trim(line))) continue;  // an echoed line of the program
    out += line + "\n";
  }
  return Trim(out);
}

std::vector<Shot> ChooseShots(const std::vector<FeedbackRecord>& pool, const tasks::Suite& suite,
                              const std::string& task_id, int64_t count, uint64_t seed) {
  std::vector<std::pair<uint64_t, const FeedbackRecord*>> candidates;
  const tasks::Task* own = suite.Find(task_id);
  for (const FeedbackRecord& record : pool) {
    const tasks::Task* task = suite.Find(record.task_id);
    if (task == nullptr || task == own || !record.ok()) continue;
    candidates.push_back(
        {SplitMix64(seed ^ Fnv1a(task_id) ^ SplitMix64(Fnv1a(record.feedback_id))), &record});
  }
  std::sort(candidates.begin(), candidates.end());
  std::vector<Shot> shots;
  std::set<const tasks::Task*> used;  // two shots never share a task
  for (const auto& [key, record] : candidates) {
    if (static_cast<int64_t>(shots.size()) >= count) break;
    const tasks::Task* task = suite.Find(record->task_id);
    if (!used.insert(task).second) continue;
    shots.push_back({task->text, record->program, record->feedback});
  }
  return shots;
}

ModelSource::ModelSource(lm::LanguageModel& model, const lm::Tokenizer* tokenizer,
                         const tasks::Suite& suite, std::vector<FeedbackRecord> shot_pool,
                         ModelSourceOptions options)
    : model_(model),
      tokenizer_(tokenizer),
      suite_(suite),
      shot_pool_(std::move(shot_pool)),
      options_(options) {
  if (options_.shots < 0 || options_.shots > 2) {
    throw Error("--shots: 0, 1 or 2 examples, got " + std::to_string(options_.shots));
  }
}

bool ModelSource::UsesChat() const {
  if (!options_.chat) return false;
  // Without a local tokenizer the remote engine's server applies its own template.
  if (!tokenizer_) return lm::IsRemoteModel(model_.info().path);
  try {
    tokenizer_->ApplyChatTemplate({{"user", "x"}}, true);
    return true;
  } catch (const Error&) {
    return false;  // a base model: the plain prompt
  }
}

std::vector<FeedbackRecord> ModelSource::Run(const std::vector<FeedbackItem>& items) {
  const bool chat = UsesChat();
  if (!chat && !tokenizer_) {
    throw Error(model_.info().path +
                ": a plain prompt (--no-chat) needs the model's tokenizer; pass --tokenizer DIR");
  }
  if (items.empty()) return {};
  std::vector<std::string> prompts;
  std::vector<size_t> shots_used;
  for (const FeedbackItem& item : items) {
    std::vector<Shot> shots =
        ChooseShots(shot_pool_, suite_, item.task->task_id, options_.shots, options_.seed);
    std::string failures =
        options_.show_tests && item.result ? FailingTestsOf(*item.task, *item.result) : "";
    prompts.push_back(ModelFeedbackPrompt(item.task->text, item.program, failures, shots));
    shots_used.push_back(shots.size());
  }
  lm::GenerateOptions generate;
  generate.n = 1;
  generate.temperature = options_.temperature;
  generate.max_new_tokens = options_.max_new_tokens;
  generate.seed = options_.seed;
  generate.max_batch_rows = options_.batch_rows;
  std::vector<std::string> raw(items.size()), finish(items.size());
  if (chat) {  // one user message each; in process or through /v1/chat/completions
    std::vector<lm::Conversation> conversations;
    for (const std::string& prompt : prompts) conversations.push_back({{"user", prompt}});
    lm::ChatOptions options{generate, {}, /*logprobs=*/false};
    for (lm::ChatReply& reply : model_.Chat(conversations, options, tokenizer_)) {
      raw[reply.conversation_index] = std::move(reply.text);
      finish[reply.conversation_index] = reply.finish_reason;
    }
  } else {
    std::vector<std::vector<int64_t>> ids;
    for (const std::string& prompt : prompts) {
      // Program text is untrusted: special-token spellings in it are plain text.
      std::vector<int32_t> encoded = tokenizer_->Encode(prompt, /*allow_special=*/false);
      ids.emplace_back(encoded.begin(), encoded.end());
    }
    for (const lm::Sample& sample : model_.Generate(ids, generate)) {
      std::vector<int32_t> known;
      for (int64_t id : sample.completion_ids) {
        if (tokenizer_->HasId(static_cast<int32_t>(id))) known.push_back(static_cast<int32_t>(id));
      }
      raw[sample.prompt_index] = tokenizer_->Decode(known, /*skip_special=*/true);
      finish[sample.prompt_index] = sample.finish_reason;
    }
  }
  std::vector<FeedbackRecord> records;
  for (size_t i = 0; i < items.size(); ++i) {
    FeedbackRecord record;
    record.task_id = items[i].task->task_id;
    record.sample_id = items[i].sample_id;
    record.feedback_id = DefaultFeedbackId("model", record.task_id, record.sample_id);
    record.program = items[i].program;
    record.source = "model";
    record.annotator = options_.annotator;
    record.provenance = {{"prompt_hash", HashJson(prompts[i])},
                         {"shots", shots_used[i]},
                         {"seed", options_.seed},
                         {"temperature", options_.temperature},
                         {"chat", chat},
                         {"show_tests", options_.show_tests},
                         {"finish_reason", finish[i]}};
    record.feedback = CleanModelFeedback(raw[i], items[i].program);
    if (record.feedback.empty()) {
      record.error = "the model's output was empty after cleaning (raw output: " +
                     Json(raw[i].substr(0, 200)).dump() + ")";
    }
    records.push_back(std::move(record));
  }
  return records;
}

namespace {

// Owns what a ModelSource borrows.
class LoadedModelSource : public FeedbackSource {
 public:
  LoadedModelSource(std::unique_ptr<lm::LanguageModel> model,
                    std::unique_ptr<lm::Tokenizer> tokenizer, const tasks::Suite& suite,
                    std::vector<FeedbackRecord> pool, ModelSourceOptions options)
      : model_(std::move(model)),
        tokenizer_(std::move(tokenizer)),
        source_(*model_, tokenizer_.get(), suite, std::move(pool), options) {}
  std::vector<FeedbackRecord> Run(const std::vector<FeedbackItem>& items) override {
    return source_.Run(items);
  }

 private:
  std::unique_ptr<lm::LanguageModel> model_;
  std::unique_ptr<lm::Tokenizer> tokenizer_;  // null: a remote model without --tokenizer
  ModelSource source_;
};

}  // namespace

std::unique_ptr<FeedbackSource> MakeModelSource(const std::string& model_dir,
                                                const tasks::Suite& suite,
                                                const FeedbackOptions& options) {
  std::vector<FeedbackRecord> pool;
  if (options.shots > 0) {
    std::string shots_path = options.shots_path;
    if (shots_path.empty()) shots_path = DataDir() + "/ilf-code/surge_annotations.jsonl";
    pool = ReadHumanFeedback(shots_path);
  }
  lm::LoadOptions load;
  load.device = options.device;
  load.dtype = options.dtype;
  load.threads = options.threads;
  load.remote = options.remote;
  load.remote.tokenizer_dir = options.tokenizer_dir;
  const bool remote = lm::IsRemoteModel(model_dir);
  if (remote && load.remote.journal_path.empty())
    load.remote.journal_path = DefaultRequestJournal(options.out_path);
  std::unique_ptr<lm::LanguageModel> model = lm::LoadLanguageModel(model_dir, load);
  // A remote chat model needs no local tokenizer: the server applies its chat template.
  std::unique_ptr<lm::Tokenizer> tokenizer;
  if (!options.tokenizer_dir.empty() || !remote) {
    tokenizer = std::make_unique<lm::Tokenizer>(
        lm::Tokenizer::Load(options.tokenizer_dir.empty() ? model_dir : options.tokenizer_dir));
  }
  ModelSourceOptions source;
  source.shots = options.shots;
  source.show_tests = options.show_tests;
  source.chat = options.chat;
  source.temperature = options.temperature;
  source.max_new_tokens = options.max_new_tokens;
  source.batch_rows = options.batch_rows;
  source.seed = options.seed;
  source.annotator = model_dir;
  return std::make_unique<LoadedModelSource>(std::move(model), std::move(tokenizer), suite,
                                             std::move(pool), source);
}

}  // namespace ilf::feedback
