// Tokenizer::Load: reading the Hugging Face tokenizer files of a directory (rules in tokenizer.h).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/lm/tokenizer.h"
#include "src/lm/tokenizer_json.h"

namespace ilf::lm {

using Json = nlohmann::json;
namespace fs = std::filesystem;

class TokenizerLoader {
 public:
  explicit TokenizerLoader(std::string dir) : dir_(std::move(dir)) {}
  Tokenizer Load();

 private:
  std::string PathOf(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::optional<Json> ReadJsonIfPresent(const std::string& name) const;
  std::string DetectFamily() const;
  void ReadVocabAndMerges(const std::string& family, TokenizerParts* parts) const;
  void ReadAddedTokensDecoder(TokenizerParts* parts) const;
  std::optional<int32_t> ResolveSpecial(const char* key, const char* family_default,
                                        const BpeModel& bpe, TokenizerParts* parts) const;
  void ReadChatTemplate(Tokenizer* tokenizer) const;

  std::string dir_;
  std::optional<Json> tokenizer_config_, config_, generation_config_;
};

namespace {

// A special-token setting: "text", {"content": "text", ...}; nullopt for null.
std::optional<std::string> TokenText(const Json& value, const std::string& where) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  throw Error(where + ": expected a token text or {\"content\": ...}, got " + value.dump());
}

// Ids of an "eos_token_id" setting (an integer or a list of them). An id outside
// [0, kMaxTokenId] is an error: read as int32 it would wrap onto a real token.
std::vector<int32_t> IdList(const Json* json, const char* key, const std::string& where) {
  std::vector<int32_t> ids;
  if (json == nullptr || !json->contains(key)) return ids;
  const Json& value = (*json)[key];
  std::vector<Json> values =
      value.is_array() ? value.get<std::vector<Json>>() : std::vector<Json>{value};
  for (const Json& id : values) {
    if (!id.is_number_integer()) continue;
    if (!id.is_number_unsigned() || id.get<uint64_t>() > static_cast<uint64_t>(kMaxTokenId)) {
      throw Error(where + ": " + key + " " + id.dump() + " is not a token id (0 to " +
                  std::to_string(kMaxTokenId) + ")");
    }
    ids.push_back(static_cast<int32_t>(id.get<int64_t>()));
  }
  return ids;
}

}  // namespace

std::optional<Json> TokenizerLoader::ReadJsonIfPresent(const std::string& name) const {
  std::string path = PathOf(name);
  if (!fs::exists(path)) return std::nullopt;
  return ReadJsonFile(path);
}

std::string TokenizerLoader::DetectFamily() const {
  if (tokenizer_config_ && tokenizer_config_->contains("tokenizer_class") &&
      (*tokenizer_config_)["tokenizer_class"].is_string()) {
    std::string name = (*tokenizer_config_)["tokenizer_class"].get<std::string>();
    if (name.size() > 4 && name.substr(name.size() - 4) == "Fast") name.resize(name.size() - 4);
    if (name == "GPT2Tokenizer" || name == "CodeGenTokenizer") return "gpt2";
    if (name == "Qwen2Tokenizer") return "qwen2";
  }
  if (config_ && config_->contains("model_type") && (*config_)["model_type"].is_string()) {
    std::string type = (*config_)["model_type"].get<std::string>();
    if (type == "gpt2" || type == "codegen" || type == "gptj" || type == "gpt_neo") return "gpt2";
    if (type == "qwen2" || type == "qwen2_moe" || type == "qwen3") return "qwen2";
  }
  return "";
}

Tokenizer Tokenizer::Load(const std::string& dir) {
  // The loader reads tokenizer_config.json, config.json and generation_config.json field by field;
  // one of the wrong type would escape as nlohmann's own type_error (exit 1, no file named).
  try {
    return TokenizerLoader(dir).Load();
  } catch (const Json::exception& e) {
    throw Error(dir + "/tokenizer_config.json (or config.json, generation_config.json): a field " +
                "has the wrong type (" + std::string(e.what()) + ")");
  }
}

Tokenizer TokenizerLoader::Load() {
  if (!fs::is_directory(dir_)) {
    throw Error("tokenizer directory '" + dir_ + "' does not exist or is not a directory");
  }
  tokenizer_config_ = ReadJsonIfPresent("tokenizer_config.json");
  config_ = ReadJsonIfPresent("config.json");
  generation_config_ = ReadJsonIfPresent("generation_config.json");
  std::string family = DetectFamily();

  TokenizerParts parts;
  std::string source = family;
  if (std::optional<Json> tokenizer_json = ReadJsonIfPresent("tokenizer.json")) {
    ReadTokenizerJson(*tokenizer_json, PathOf("tokenizer.json"), &parts);
    source = "tokenizer.json";
  } else {
    ReadVocabAndMerges(family, &parts);
  }
  ReadAddedTokensDecoder(&parts);

  BpeModel bpe(parts.vocab, parts.merges, parts.vocab_where, parts.merges_where,
               parts.ignore_merges);
  parts.vocab = Json();  // free the JSON copy early
  std::vector<Pretokenizer> pretokenizers;
  for (const std::string& pattern : parts.patterns) pretokenizers.emplace_back(pattern);

  bool gpt2 = family == "gpt2", qwen2 = family == "qwen2";
  auto eos = ResolveSpecial("eos_token", gpt2 || qwen2 ? "<|endoftext|>" : nullptr, bpe, &parts);
  auto bos = ResolveSpecial("bos_token", gpt2 ? "<|endoftext|>" : nullptr, bpe, &parts);
  auto pad = ResolveSpecial("pad_token", qwen2 ? "<|endoftext|>" : nullptr, bpe, &parts);
  ResolveSpecial("unk_token", gpt2 || qwen2 ? "<|endoftext|>" : nullptr, bpe, &parts);
  if (tokenizer_config_ && tokenizer_config_->contains("additional_special_tokens")) {
    for (const Json& value : (*tokenizer_config_)["additional_special_tokens"]) {
      std::optional<std::string> text = TokenText(value, PathOf("tokenizer_config.json"));
      auto it = std::find_if(parts.added.begin(), parts.added.end(),
                             [&](const AddedToken& t) { return text && t.content == *text; });
      if (it != parts.added.end()) it->special = true;
    }
  }

  Tokenizer tokenizer(std::move(bpe), std::move(pretokenizers));
  tokenizer.nfc_ = parts.nfc;
  tokenizer.family_ = source;
  tokenizer.dir_ = dir_;
  tokenizer.vocab_size_ = tokenizer.bpe_.end_id();
  for (const AddedToken& token : parts.added) {
    tokenizer.vocab_size_ = std::max(tokenizer.vocab_size_, token.id + 1);
  }
  tokenizer.added_ = AddedTokenMatcher(std::move(parts.added));

  // End-of-text: the eos token, else config.json's eos_token_id.
  std::vector<int32_t> config_eos =
      IdList(config_ ? &*config_ : nullptr, "eos_token_id", PathOf("config.json"));
  tokenizer.eos_id_ = eos ? eos : config_eos.empty() ? std::nullopt : std::optional(config_eos[0]);
  tokenizer.bos_id_ = bos;
  tokenizer.pad_id_ = pad;
  std::vector<int32_t> stops;
  if (tokenizer.eos_id_) stops.push_back(*tokenizer.eos_id_);
  for (int32_t id : IdList(generation_config_ ? &*generation_config_ : nullptr, "eos_token_id",
                           PathOf("generation_config.json"))) {
    stops.push_back(id);
  }
  for (int32_t id : config_eos) stops.push_back(id);
  for (int32_t id : stops) {
    bool known = tokenizer.added_.Find(id) != nullptr || tokenizer.bpe_.Contains(id);
    if (known && std::find(tokenizer.stop_ids_.begin(), tokenizer.stop_ids_.end(), id) ==
                     tokenizer.stop_ids_.end()) {
      tokenizer.stop_ids_.push_back(id);
    }
  }
  ReadChatTemplate(&tokenizer);
  return tokenizer;
}

void TokenizerLoader::ReadVocabAndMerges(const std::string& family, TokenizerParts* parts) const {
  for (const char* name : {"vocab.json", "merges.txt"}) {
    if (!fs::exists(PathOf(name))) {
      throw Error("'" + PathOf(name) +
                  "' not found; hint: a tokenizer directory holds "
                  "tokenizer.json, or vocab.json + merges.txt (with tokenizer_config.json)");
    }
  }
  if (family.empty()) {
    throw Error("cannot tell which pre-tokenizer the tokenizer in '" + dir_ +
                "' uses: no "
                "tokenizer.json, and neither " +
                PathOf("tokenizer_config.json") +
                " 'tokenizer_class' nor "
                "config.json 'model_type' names a known family (GPT2Tokenizer, CodeGenTokenizer, "
                "Qwen2Tokenizer / gpt2, codegen, gptj, gpt_neo, qwen2, qwen3); hint: add "
                "\"tokenizer_class\" to tokenizer_config.json");
  }
  parts->vocab_where = PathOf("vocab.json");
  parts->merges_where = PathOf("merges.txt");
  parts->vocab = *ReadJsonIfPresent("vocab.json");
  parts->merges = BpeModel::ParseMergesTxt(ReadFile(parts->merges_where), parts->merges_where);
  parts->patterns = {family == "qwen2" ? kQwen2Pattern : kGpt2Pattern};
  parts->nfc = family == "qwen2";
}

void TokenizerLoader::ReadAddedTokensDecoder(TokenizerParts* parts) const {
  if (!tokenizer_config_ || !tokenizer_config_->contains("added_tokens_decoder")) return;
  std::string where = PathOf("tokenizer_config.json") + ": added_tokens_decoder";
  const Json& decoder = (*tokenizer_config_)["added_tokens_decoder"];
  if (!decoder.is_object()) throw Error(where + ": expected an object id -> token");
  for (const auto& [key, value] : decoder.items()) {
    int32_t id;
    try {
      size_t used = 0;
      id = std::stoi(key, &used);
      if (used != key.size() || id < 0 || id > kMaxTokenId) throw std::invalid_argument(key);
    } catch (const std::exception&) {
      throw Error(where + ": key '" + key + "' is not a token id (0 to " +
                  std::to_string(kMaxTokenId) + ")");
    }
    bool known = std::any_of(parts->added.begin(), parts->added.end(),
                             [&](const AddedToken& t) { return t.id == id; });
    if (!known) parts->added.push_back(ParseAddedToken(value, id, where));
  }
}

std::optional<int32_t> TokenizerLoader::ResolveSpecial(const char* key, const char* family_default,
                                                       const BpeModel& bpe,
                                                       TokenizerParts* parts) const {
  std::string where = PathOf("tokenizer_config.json") + ": " + key;
  std::optional<std::string> text;
  bool configured = tokenizer_config_ && tokenizer_config_->contains(key);
  if (configured) {
    text = TokenText((*tokenizer_config_)[key], where);
  } else if (family_default) {
    text = family_default;
  }
  if (!text) return std::nullopt;
  for (AddedToken& token : parts->added) {
    if (token.content != *text) continue;
    token.special = true;
    return token.id;
  }
  // Like transformers, a special token that is a vocabulary entry becomes an added (split-out)
  // token.
  if (std::optional<int32_t> id = bpe.TokenId(*text)) {
    AddedToken token;
    token.id = *id;
    token.content = *text;
    token.special = true;
    parts->added.push_back(token);
    return id;
  }
  if (!configured) return std::nullopt;
  throw Error(where + " is '" + *text +
              "', which is neither an added token nor in the "
              "vocabulary; hint: list it in added_tokens_decoder with its id");
}

void TokenizerLoader::ReadChatTemplate(Tokenizer* tokenizer) const {
  std::string where = PathOf("tokenizer_config.json");
  std::optional<std::string> jinja;
  if (tokenizer_config_ && tokenizer_config_->contains("chat_template")) {
    const Json& value = (*tokenizer_config_)["chat_template"];
    if (value.is_string()) jinja = value.get<std::string>();
    if (value.is_array()) {  // named templates: [{"name": "default", "template": "..."}, ...]
      for (const Json& named : value) {
        if (named.value("name", "") == "default") jinja = named.value("template", "");
      }
    }
  } else if (fs::exists(PathOf("chat_template.jinja"))) {
    where = PathOf("chat_template.jinja");
    jinja = ReadFile(where);
  }
  if (!jinja) {
    tokenizer->chat_template_error_ = "the tokenizer in '" + dir_ +
                                      "' has no chat_template (a base model?); hint: format the "
                                      "prompt text yourself";
    return;
  }
  try {
    tokenizer->chat_template_ = ChatTemplate::FromJinja(*jinja, where);
  } catch (const Error& e) {
    tokenizer->chat_template_error_ = e.what();  // tokenizing still works; only chat fails
  }
}

}  // namespace ilf::lm
