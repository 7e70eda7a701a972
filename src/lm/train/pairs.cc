#include "src/lm/train/pairs.h"

#include <algorithm>

#include "src/core/error.h"
#include "src/core/jsonl.h"

namespace ilf::lm {
namespace {

std::vector<int64_t> IdList(const JsonlRecord& record, const std::string& key) {
  const Json& field = record.Field(key);
  if (!field.is_array()) {
    throw Error(record.Where() + ": field '" + key + "' must be a list of token ids, got " +
                field.type_name());
  }
  std::vector<int64_t> ids;
  ids.reserve(field.size());
  for (const Json& id : field) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0) {
      throw Error(record.Where() + ": field '" + key + "' must hold non-negative integers, got " +
                  id.dump());
    }
    ids.push_back(id.get<int64_t>());
  }
  return ids;
}

std::vector<int64_t> Side(const JsonlRecord& record, const std::string& text_key,
                          const TextEncoder& encode) {
  const std::string ids_key = text_key + "_ids";
  if (record.Has(ids_key)) return IdList(record, ids_key);
  if (!record.Has(text_key)) {
    throw Error(record.Where() + ": missing field '" + text_key +
                "' (a pair needs \"prompt\" and " +
                "\"target\" strings, or \"prompt_ids\" and \"target_ids\")");
  }
  std::string text = record.String(text_key);
  if (text_key == "target" && text.empty()) {
    throw Error(record.Where() + ": empty target (the loss is on the target; drop this pair)");
  }
  if (!encode) {
    throw Error(record.Where() + ": field '" + text_key + "' is text but no tokenizer is loaded " +
                "(hint: the model directory needs vocab.json/merges.txt, or give '" + ids_key +
                "')");
  }
  return encode(text);
}

}  // namespace

int64_t TrainExample::TargetTokens() const {
  return std::count_if(labels.begin(), labels.end(), [](int64_t l) { return l != kIgnoreLabel; });
}

TrainExample MakeExample(const std::vector<int64_t>& prompt_ids,
                         const std::vector<int64_t>& target_ids, const PairsOptions& options,
                         const std::string& where) {
  if (target_ids.empty()) {
    throw Error(where + ": empty target (the loss is on the target; drop this pair)");
  }
  TrainExample example;
  example.where = where;
  example.input_ids = prompt_ids;
  example.input_ids.insert(example.input_ids.end(), target_ids.begin(), target_ids.end());
  if (options.eos_token_id >= 0) example.input_ids.push_back(options.eos_token_id);
  const int64_t length = static_cast<int64_t>(example.input_ids.size());
  if (options.max_length > 0 && length > options.max_length) {
    throw Error(where + ": prompt+target is " + std::to_string(length) + " tokens (prompt " +
                std::to_string(prompt_ids.size()) + "), longer than the context of " +
                std::to_string(options.max_length) +
                " (hint: shorten or drop this pair, or raise --max-length up to the model's "
                "max_position_embeddings)");
  }
  if (options.vocab_size > 0) {
    for (int64_t id : example.input_ids) {
      if (id >= options.vocab_size) {
        throw Error(where + ": token id " + std::to_string(id) + " is outside the vocabulary of " +
                    std::to_string(options.vocab_size));
      }
    }
  }
  example.labels.assign(prompt_ids.size(), kIgnoreLabel);
  example.labels.insert(example.labels.end(), example.input_ids.begin() + prompt_ids.size(),
                        example.input_ids.end());
  return example;
}

std::vector<TrainExample> ReadPairs(const std::string& path, const TextEncoder& encode,
                                    const PairsOptions& options) {
  std::vector<TrainExample> examples;
  for (const JsonlRecord& record : ReadArtifact(path, "ilf.pairs", 1)) {
    std::vector<int64_t> prompt = Side(record, "prompt", encode);
    std::vector<int64_t> target = Side(record, "target", encode);
    examples.push_back(MakeExample(prompt, target, options, record.Where()));
  }
  if (examples.empty()) {
    throw Error(path + ": no (prompt, target) pairs in the file");
  }
  return examples;
}

}  // namespace ilf::lm
