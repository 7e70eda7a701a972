#include "src/lm/tokenizer_json.h"

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/lm/pretokenize.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;

std::string TypeOf(const Json& json) {
  return json.is_object() && json.contains("type") && json["type"].is_string()
             ? json["type"].get<std::string>()
             : "";
}

[[noreturn]] void Unsupported(const std::string& path, const std::string& what, const Json& json) {
  std::string shown = json.dump();
  if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
  throw Error(
      fmt::format("{}: unsupported {} {}; hint: ilf reads byte-level BPE tokenizers "
                  "(GPT-2, Qwen2, Llama-3 style)",
                  path, what, shown));
}

// Escapes a literal string for PCRE2.
std::string QuoteRegex(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view(R"(\^$.|?*+()[]{})").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

void ReadPreTokenizer(const Json& json, const std::string& path, TokenizerParts* parts,
                      bool* byte_level) {
  std::string type = TypeOf(json);
  if (type == "Sequence") {
    for (const Json& step : json.value("pretokenizers", Json::array())) {
      ReadPreTokenizer(step, path, parts, byte_level);
    }
  } else if (type == "ByteLevel") {
    if (json.value("add_prefix_space", false)) Unsupported(path, "pre_tokenizer", json);
    if (json.value("use_regex", true)) parts->patterns.push_back(kGpt2Pattern);
    *byte_level = true;
  } else if (type == "Split") {
    const Json& pattern = json.value("pattern", Json::object());
    if (json.value("behavior", "") != "Isolated" || json.value("invert", false)) {
      Unsupported(path, "pre_tokenizer Split (only behavior Isolated, invert false)", json);
    }
    if (pattern.contains("Regex") && pattern["Regex"].is_string()) {
      parts->patterns.push_back(pattern["Regex"].get<std::string>());
    } else if (pattern.contains("String") && pattern["String"].is_string()) {
      parts->patterns.push_back(QuoteRegex(pattern["String"].get<std::string>()));
    } else {
      Unsupported(path, "pre_tokenizer Split pattern", json);
    }
  } else if (type == "Digits") {
    parts->patterns.push_back(json.value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)");
  } else {
    Unsupported(path, "pre_tokenizer", json);
  }
}

void ReadNormalizer(const Json& json, const std::string& path, TokenizerParts* parts) {
  if (json.is_null()) return;
  std::string type = TypeOf(json);
  if (type == "NFC") {
    parts->nfc = true;
  } else if (type == "Sequence") {
    for (const Json& step : json.value("normalizers", Json::array()))
      ReadNormalizer(step, path, parts);
  } else {
    Unsupported(path, "normalizer", json);
  }
}

void ReadMerges(const Json& merges, const std::string& path, TokenizerParts* parts) {
  if (!merges.is_array()) Unsupported(path, "model.merges (expected a list)", merges);
  parts->merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const Json& merge = merges[i];
    BpeModel::MergeRule rule;
    if (merge.is_string()) {
      std::string text = merge.get<std::string>();
      size_t space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
        throw Error(
            fmt::format("{}: model.merges[{}] is '{}', expected two tokens separated by "
                        "one space",
                        path, i, text));
      }
      rule.left = text.substr(0, space);
      rule.right = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      rule.left = merge[0].get<std::string>();
      rule.right = merge[1].get<std::string>();
    } else {
      throw Error(fmt::format("{}: model.merges[{}] is {}, expected \"a b\" or [\"a\", \"b\"]",
                              path, i, merge.dump()));
    }
    parts->merges.push_back(std::move(rule));
  }
}

}  // namespace

AddedToken ParseAddedToken(const nlohmann::json& json, int32_t id, const std::string& where) {
  if (!json.is_object() || !json.contains("content") || !json["content"].is_string()) {
    throw Error(
        fmt::format("{}: added token {} needs a string 'content', got {}", where, id, json.dump()));
  }
  AddedToken token;
  token.id = id;
  token.content = json["content"].get<std::string>();
  token.special = json.value("special", false);
  token.lstrip = json.value("lstrip", false);
  token.rstrip = json.value("rstrip", false);
  token.single_word = json.value("single_word", false);
  return token;
}

namespace {

void ReadTokenizerJsonFields(const Json& json, const std::string& path, TokenizerParts* parts) {
  const Json& model = json.value("model", Json::object());
  std::string model_type = TypeOf(model);
  if (!(model_type == "BPE" || (model_type.empty() && model.contains("merges")))) {
    Unsupported(path, "model type", Json(model_type.empty() ? "(none)" : model_type));
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(key) && model[key].is_string() && !model[key].get<std::string>().empty()) {
      Unsupported(path, std::string("model.") + key, model[key]);
    }
  }
  if (model.value("byte_fallback", false)) Unsupported(path, "model.byte_fallback", Json(true));
  if (!model.contains("vocab")) throw Error(path + ": model.vocab is missing");
  parts->vocab = model["vocab"];
  parts->vocab_where = path + " (model.vocab)";
  parts->merges_where = path + " (model.merges)";
  ReadMerges(model.value("merges", Json::array()), path, parts);
  parts->ignore_merges = model.value("ignore_merges", false);

  bool byte_level = false;
  if (json.contains("pre_tokenizer") && !json["pre_tokenizer"].is_null()) {
    ReadPreTokenizer(json["pre_tokenizer"], path, parts, &byte_level);
  }
  if (!byte_level) {
    Unsupported(path, "pre_tokenizer without ByteLevel", json.value("pre_tokenizer", Json()));
  }
  if (json.contains("normalizer")) ReadNormalizer(json["normalizer"], path, parts);

  for (const Json& token : json.value("added_tokens", Json::array())) {
    // is_number_unsigned: 4294967295 read as int64 is fine, as int32 it was -1.
    if (!token.contains("id") || !token["id"].is_number_unsigned() ||
        token["id"].get<uint64_t>() > static_cast<uint64_t>(kMaxTokenId)) {
      throw Error(path + ": added_tokens entry without a valid 'id' (0 to " +
                  std::to_string(kMaxTokenId) + "): " + token.dump());
    }
    AddedToken added = ParseAddedToken(token, token["id"].get<int32_t>(), path + ": added_tokens");
    parts->added.push_back(std::move(added));
  }
}

}  // namespace

void ReadTokenizerJson(const Json& json, const std::string& path, TokenizerParts* parts) {
  // A field of the wrong type (a number where an object or a bool belongs) makes nlohmann's
  // value() and get() throw its own type_error: name the file instead (found by fuzzing).
  try {
    if (!json.is_object()) throw Error(path + ": expected a JSON object, got " + json.type_name());
    ReadTokenizerJsonFields(json, path, parts);
  } catch (const Json::exception& e) {
    throw Error(path + ": a field has the wrong type (" + std::string(e.what()) + ")");
  }
}

}  // namespace ilf::lm
