#include "src/lm/openai_embeddings.h"

#include <fmt/format.h>

#include "src/core/error.h"

namespace ilf::lm {

using Json = nlohmann::json;

EmbeddingRequest ParseEmbeddingRequest(const Json& body) {
  auto bad = [](const std::string& field, const std::string& why) {
    return Error(fmt::format("request field '{}': {}", field, why));
  };
  if (!body.is_object()) throw bad("(body)", "expected a JSON object");
  EmbeddingRequest r;
  if (body.contains("model") && !body["model"].is_null()) {
    if (!body["model"].is_string()) throw bad("model", "expected a string");
    r.model = body["model"].get<std::string>();
  }
  if (!body.contains("input")) throw bad("input", "missing");
  r.inputs = ParsePrompts(body["input"], "input");
  if (body.contains("encoding_format") && !body["encoding_format"].is_null() &&
      body["encoding_format"] != "float") {
    throw bad("encoding_format",
              body["encoding_format"].dump().substr(0, 80) + ": only \"float\" is supported");
  }
  if (body.contains("dimensions") && !body["dimensions"].is_null())
    throw bad("dimensions", "not supported: the embedding is the model's hidden size");
  return r;
}

Json EmbeddingRequestJson(const EmbeddingRequest& r) {
  Json inputs = Json::array();
  for (const PromptInput& p : r.inputs) inputs.push_back(p.is_text ? Json(p.text) : Json(p.ids));
  return {{"model", r.model}, {"input", inputs}, {"encoding_format", "float"}};
}

Json EmbeddingResponseJson(const EmbeddingResponse& response) {
  Json data = Json::array();
  for (size_t i = 0; i < response.embeddings.size(); ++i) {
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", response.embeddings[i]}});
  }
  return {{"object", "list"},
          {"data", data},
          {"model", response.model},
          {"usage",
           {{"prompt_tokens", response.prompt_tokens}, {"total_tokens", response.prompt_tokens}}}};
}

EmbeddingResponse ParseEmbeddingResponse(const Json& body) {
  auto bad = [](const std::string& what) { return Error("server answer: " + what); };
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array())
    throw bad("no 'data' list");
  const Json& data = body["data"];
  EmbeddingResponse r;
  if (body.contains("model") && body["model"].is_string()) r.model = body["model"];
  r.embeddings.resize(data.size());
  std::vector<bool> seen(data.size(), false);
  for (size_t k = 0; k < data.size(); ++k) {
    const Json& item = data[k];
    if (!item.is_object() || !item.contains("embedding"))
      throw bad(fmt::format("data[{}] has no 'embedding'", k));
    size_t index = k;
    if (item.contains("index") && !item["index"].is_null()) {
      const Json& i = item["index"];
      if (!i.is_number_integer() || i.get<int64_t>() < 0 ||
          i.get<uint64_t>() >= static_cast<uint64_t>(data.size()))
        throw bad(fmt::format("data[{}]: index {} is not in [0, {})", k, i.dump().substr(0, 40),
                              data.size()));
      index = i.get<size_t>();
    }
    if (seen[index]) throw bad(fmt::format("data[{}]: index {} given twice", k, index));
    seen[index] = true;
    const Json& vector = item["embedding"];
    if (!vector.is_array()) {
      throw bad(
          fmt::format("data[{}]: 'embedding' is not a list of floats ({}; ilf asks for "
                      "encoding_format \"float\")",
                      k, vector.dump().substr(0, 40)));
    }
    for (const Json& v : vector) {
      if (!v.is_number()) throw bad(fmt::format("data[{}]: {} is not a number", k, v.dump()));
      r.embeddings[index].push_back(v.get<double>());
    }
  }
  if (body.contains("usage") && body["usage"].is_object() &&
      body["usage"].contains("prompt_tokens") && body["usage"]["prompt_tokens"].is_number_integer())
    r.prompt_tokens = body["usage"]["prompt_tokens"].get<int64_t>();
  return r;
}

}  // namespace ilf::lm
