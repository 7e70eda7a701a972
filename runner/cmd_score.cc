// `ilf score`: log-probabilities of continuations given prompts (best-of-N, InstructRM).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/model_flags.h"
#include "src/core/error.h"
#include "src/core/jsonl.h"
#include "src/core/log.h"
#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"

namespace ilf {
namespace {

// `NAME_ids` when present, else NAME (text) through the tokenizer.
std::vector<int64_t> Ids(const JsonlRecord& record, const std::string& name,
                         const lm::Tokenizer* tokenizer) {
  if (record.Has(name + "_ids")) {
    const Json& ids = record.Field(name + "_ids");
    std::vector<int64_t> out;
    if (!ids.is_array())
      throw Error(record.Where() + ": '" + name + "_ids' is not a list of token ids");
    for (const Json& id : ids) {
      if (!id.is_number_integer())
        throw Error(record.Where() + ": '" + name + "_ids' holds " + id.dump());
      out.push_back(id.get<int64_t>());
    }
    return out;
  }
  std::string text = record.String(name);
  if (!tokenizer) {
    throw Error(record.Where() + ": text '" + name +
                "' needs a tokenizer; the model directory has "
                "none (pass --tokenizer DIR or give " +
                name + "_ids)");
  }
  std::vector<int32_t> ids = tokenizer->Encode(text);
  return std::vector<int64_t>(ids.begin(), ids.end());
}

}  // namespace

int RunScore(int argc, char** argv) {
  CLI::App app{
      "Score continuations: for each JSONL record with 'prompt' and 'continuation' (text, or "
      "'prompt_ids'/'continuation_ids'), write the record with 'logprob' (sum, natural log) and "
      "'token_logprobs' (one per continuation token). Prompt and continuation are tokenized "
      "separately.",
      "ilf score"};
  std::string pairs_path, out_path;
  ModelFlags model_flags;
  AddModelFlags(app, &model_flags);
  app.add_option("--pairs", pairs_path, "JSONL of prompt/continuation records")->required();
  app.add_option("--out", out_path, "JSONL to write (default: stdout)");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;

  std::unique_ptr<lm::Tokenizer> tokenizer = LoadTokenizer(model_flags);
  std::vector<JsonlRecord> records = ReadJsonl(pairs_path);
  std::vector<lm::ScoreRequest> requests;
  for (const JsonlRecord& record : records) {
    requests.push_back(
        {Ids(record, "prompt", tokenizer.get()), Ids(record, "continuation", tokenizer.get())});
    if (requests.back().prompt.empty()) {
      throw Error(record.Where() + ": the prompt has no tokens; scoring needs a context");
    }
  }
  const std::string journal =
      JournalPath(model_flags, out_path.empty() ? "" : out_path + ".requests.jsonl");
  std::unique_ptr<lm::LanguageModel> model = LoadModel(model_flags, journal);
  std::vector<lm::ScoreResult> results = model->Score(requests);

  std::unique_ptr<JsonlWriter> writer;
  if (!out_path.empty()) writer = std::make_unique<JsonlWriter>(out_path);
  for (size_t i = 0; i < records.size(); ++i) {
    Json out = records[i].value;
    out["logprob"] = results[i].logprob;
    out["token_logprobs"] = results[i].token_logprobs;
    out["num_tokens"] = results[i].token_logprobs.size();
    if (writer) {
      writer->Write(out);
    } else {
      std::printf("%s\n", out.dump().c_str());
    }
  }
  if (writer) {
    writer->Commit();
    if (!journal.empty() && model_flags.load.remote.journal_path.empty())
      std::filesystem::remove(journal);
    LogInfo("scored {} pairs -> {}", records.size(), out_path);
  }
  return 0;
}

}  // namespace ilf
