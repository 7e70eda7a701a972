// `ilf tokenize`: text to token ids (and back) with a model directory's tokenizer. Needs no
// LibTorch.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "runner/cli.h"
#include "runner/commands.h"
#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/core/json_parse.h"
#include "src/core/jsonl.h"
#include "src/lm/tokenizer.h"

namespace ilf {
namespace {

struct TokenizeOptions {
  std::string model_dir;    // directory with the tokenizer files
  bool decode = false;      // ids -> text instead of text -> ids
  bool no_special = false;  // special tokens in the text are plain text
  bool chat = false;        // wrap text as one user message in the model's chat format
};

std::string Prepare(const lm::Tokenizer& tokenizer, const TokenizeOptions& options,
                    const std::string& text) {
  if (!options.chat) return text;
  return tokenizer.ApplyChatTemplate({{"user", text}}, /*add_generation_prompt=*/true);
}

std::vector<int32_t> ParseIds(const Json& value, const std::string& where) {
  if (!value.is_array())
    throw Error(where + ": expected a JSON array of token ids, got " + value.dump());
  std::vector<int32_t> ids;
  for (const Json& id : value) {
    // Read as int32, 4294967295 would become -1 and -4294967295 would become 1.
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX ||
        (id.is_number_unsigned() && id.get<uint64_t>() > INT32_MAX)) {
      throw Error(where + ": expected token ids (integers 0 to 2147483647), got " + id.dump());
    }
    ids.push_back(id.get<int32_t>());
  }
  return ids;
}

// One JSONL record from stdin: adds `ids` (or `text` with --decode). Errors name stdin:LINE.
Json ProcessRecord(const lm::Tokenizer& tokenizer, const TokenizeOptions& options,
                   const std::string& line, int line_number) {
  std::string where = "stdin:" + std::to_string(line_number);
  Json record = ParseJson(line, where);
  const char* field = options.decode ? "ids" : "text";
  if (!record.is_object() || !record.contains(field)) {
    throw Error(where + ": expected a JSON object with a '" + field +
                "' field; hint: one record "
                "per line, e.g. {\"text\": \"def f(): pass\"}");
  }
  try {
    if (options.decode) {
      record["text"] = tokenizer.Decode(ParseIds(record["ids"], where));
    } else {
      if (!record["text"].is_string()) throw Error("'text' is not a string");
      record["ids"] = tokenizer.Encode(
          Prepare(tokenizer, options, record["text"].get<std::string>()), !options.no_special);
    }
  } catch (const Error& e) {
    throw Error(where + ": " + e.what(), e.exit_code());
  }
  return record;
}

}  // namespace

int RunTokenize(int argc, char** argv) {
  CLI::App app{
      "Token ids of text with a model's tokenizer (byte-level BPE: GPT-2, CodeGen, Qwen2), "
      "exactly as Hugging Face's tokenizer with add_special_tokens=False. With TEXT, prints "
      "its ids as a JSON array; without, reads JSONL records with a 'text' field on stdin "
      "and writes each back with an added 'ids' field.",
      "ilf tokenize"};
  TokenizeOptions options;
  std::optional<std::string> text;
  app.add_option("--model", options.model_dir,
                 "model or tokenizer directory (tokenizer.json, or vocab.json + merges.txt, with "
                 "tokenizer_config.json)")
      ->required();
  app.add_option("text", text, "text to tokenize (with --decode: a JSON array of ids)");
  app.add_flag("--decode", options.decode,
               "ids to text: TEXT is a JSON array of ids; stdin records' 'ids' get a 'text' field");
  app.add_flag("--no-special", options.no_special,
               "tokenize special tokens such as <|endoftext|> in the text as plain text");
  app.add_flag("--chat", options.chat,
               "wrap the text as one user message in the model's chat format, with the "
               "assistant prompt after it");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;

  lm::Tokenizer tokenizer = lm::Tokenizer::Load(options.model_dir);
  if (text) {
    if (options.decode) {
      Json ids = ParseJson(*text, "TEXT (a JSON array of ids)");
      std::string decoded = tokenizer.Decode(ParseIds(ids, "TEXT"));
      std::fwrite(decoded.data(), 1, decoded.size(), stdout);
      std::fputc('\n', stdout);
    } else {
      Json ids = tokenizer.Encode(Prepare(tokenizer, options, *text), !options.no_special);
      std::printf("%s\n", ids.dump().c_str());
    }
    return kExitOk;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  int line_number = 0;
  std::string out;
  while (std::getline(std::cin, line)) {
    ++line_number;
    ThrowIfInterrupted();
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out = ProcessRecord(tokenizer, options, line, line_number).dump();
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return kExitOk;
}

}  // namespace ilf
