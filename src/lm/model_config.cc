#include "src/lm/model_config.h"

#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/lm/checkpoint_dir.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;

// Field readers: a present field of the wrong type is an error naming the file and field.
std::optional<Json> Get(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return std::nullopt;
  return *it;
}

// Every size and id in a config fits in 32 bits; bounding them keeps the products computed from
// them (4 * n_embd, vocab x hidden) far from int64 overflow.
constexpr int64_t kMaxConfigInt = std::numeric_limits<int32_t>::max();

int64_t CheckedInt(const Json& value, const char* key, const std::string& where) {
  // Compared as the type nlohmann stored: a huge unsigned value read as int64 would be negative.
  bool in_range = value.is_number_unsigned()
                      ? value.get<uint64_t>() <= static_cast<uint64_t>(kMaxConfigInt)
                      : value.get<int64_t>() >= 0 && value.get<int64_t>() <= kMaxConfigInt;
  if (!in_range) {
    throw Error(fmt::format("{}: field '{}' is {}, expected 0 to {}", where, key, value.dump(),
                            kMaxConfigInt));
  }
  return value.get<int64_t>();
}

int64_t IntField(const Json& json, const char* key, const std::string& where,
                 std::optional<int64_t> fallback = std::nullopt) {
  std::optional<Json> value = Get(json, key);
  if (!value) {
    if (fallback) return *fallback;
    throw Error(fmt::format("{}: field '{}' is missing; a causal LM config needs it", where, key));
  }
  if (!value->is_number_integer()) {
    throw Error(
        fmt::format("{}: field '{}' is {}, expected an integer", where, key, value->dump()));
  }
  return CheckedInt(*value, key, where);
}

double NumberField(const Json& json, const char* key, const std::string& where, double fallback) {
  std::optional<Json> value = Get(json, key);
  if (!value) return fallback;
  if (!value->is_number()) {
    throw Error(fmt::format("{}: field '{}' is {}, expected a number", where, key, value->dump()));
  }
  return value->get<double>();
}

bool BoolField(const Json& json, const char* key, const std::string& where, bool fallback) {
  std::optional<Json> value = Get(json, key);
  if (!value) return fallback;
  if (!value->is_boolean()) {
    throw Error(
        fmt::format("{}: field '{}' is {}, expected true or false", where, key, value->dump()));
  }
  return value->get<bool>();
}

std::string StringField(const Json& json, const char* key, const std::string& where,
                        const std::string& fallback) {
  std::optional<Json> value = Get(json, key);
  if (!value) return fallback;
  if (!value->is_string()) {
    throw Error(fmt::format("{}: field '{}' is {}, expected a string", where, key, value->dump()));
  }
  return value->get<std::string>();
}

std::vector<int64_t> IdList(const Json& json, const char* key, const std::string& where) {
  std::optional<Json> value = Get(json, key);
  if (!value) return {};
  if (value->is_number_integer()) return {CheckedInt(*value, key, where)};
  std::vector<int64_t> ids;
  if (value->is_array()) {
    for (const Json& id : *value) {
      if (!id.is_number_integer()) break;
      ids.push_back(CheckedInt(id, key, where));
    }
    if (ids.size() == value->size()) return ids;
  }
  throw Error(fmt::format("{}: field '{}' is {}, expected an id or a list of ids", where, key,
                          value->dump()));
}

// RoPE settings: transformers 5.x writes rope_parameters {rope_theta, rope_type}; 4.x writes
// rope_theta at the top level and an optional rope_scaling {rope_type|type, factor}.
void ReadRope(const Json& json, const std::string& where, ModelConfig& config) {
  config.rope_theta = NumberField(json, "rope_theta", where, 10000.0);
  for (const char* key : {"rope_parameters", "rope_scaling"}) {
    std::optional<Json> rope = Get(json, key);
    if (!rope) continue;
    if (!rope->is_object()) {
      throw Error(
          fmt::format("{}: field '{}' is {}, expected an object", where, key, rope->dump()));
    }
    config.rope_theta = NumberField(*rope, "rope_theta", where, config.rope_theta);
    std::string type =
        StringField(*rope, "rope_type", where, StringField(*rope, "type", where, "default"));
    if (type == "linear") {
      config.rope_linear_factor = NumberField(*rope, "factor", where, 1.0);
    } else if (type != "default") {
      throw Error(fmt::format("{}: {}.rope_type '{}' is not supported (supported: default, linear)",
                              where, key, type));
    }
  }
}

void ReadLlama(const Json& json, const std::string& where, ModelConfig& config) {
  config.family = Family::kLlama;
  config.vocab_size = IntField(json, "vocab_size", where);
  config.hidden_size = IntField(json, "hidden_size", where);
  config.intermediate_size = IntField(json, "intermediate_size", where);
  config.num_hidden_layers = IntField(json, "num_hidden_layers", where);
  config.num_attention_heads = IntField(json, "num_attention_heads", where);
  config.num_key_value_heads =
      IntField(json, "num_key_value_heads", where, config.num_attention_heads);
  if (config.num_attention_heads == 0) {
    throw Error(fmt::format("{}: num_attention_heads is 0, expected >= 1", where));
  }
  config.head_dim =
      IntField(json, "head_dim", where, config.hidden_size / config.num_attention_heads);
  config.max_position_embeddings = IntField(json, "max_position_embeddings", where, 2048);
  config.rms_norm_eps = NumberField(json, "rms_norm_eps", where, 1e-6);
  ReadRope(json, where, config);
  bool attention_bias = BoolField(json, "attention_bias", where, false);
  bool qwen2 = config.model_type == "qwen2" || config.architecture == "Qwen2ForCausalLM";
  config.qkv_bias = qwen2 || attention_bias;
  config.o_bias = !qwen2 && attention_bias;
  config.mlp_bias = BoolField(json, "mlp_bias", where, false);
  config.tie_word_embeddings = BoolField(json, "tie_word_embeddings", where, false);
  config.hidden_act = StringField(json, "hidden_act", where, "silu");
  if (config.hidden_act != "silu") {
    throw Error(fmt::format("{}: hidden_act '{}' is not supported for {} (expected 'silu')", where,
                            config.hidden_act, config.architecture));
  }
  if (BoolField(json, "use_sliding_window", where, config.model_type == "mistral")) {
    std::optional<Json> window = Get(json, "sliding_window");
    if (window) config.sliding_window = IntField(json, "sliding_window", where);
  }
}

void ReadGpt2(const Json& json, const std::string& where, ModelConfig& config) {
  config.family = Family::kGpt2;
  config.vocab_size = IntField(json, "vocab_size", where);
  config.hidden_size = IntField(json, "n_embd", where);
  // n_embd is at most 2^31 - 1 here, so the default 4 * n_embd cannot overflow.
  config.intermediate_size = IntField(json, "n_inner", where, 4 * config.hidden_size);
  config.num_hidden_layers = IntField(json, "n_layer", where);
  config.num_attention_heads = IntField(json, "n_head", where);
  config.num_key_value_heads = config.num_attention_heads;
  if (config.num_attention_heads == 0)
    throw Error(fmt::format("{}: n_head is 0, expected >= 1", where));
  config.head_dim = config.hidden_size / config.num_attention_heads;
  config.max_position_embeddings = IntField(json, "n_positions", where);
  config.layer_norm_epsilon = NumberField(json, "layer_norm_epsilon", where, 1e-5);
  config.qkv_bias = config.o_bias = config.mlp_bias = true;
  config.tie_word_embeddings = BoolField(json, "tie_word_embeddings", where, true);
  config.hidden_act = StringField(json, "activation_function", where, "gelu_new");
  if (config.hidden_act != "gelu_new" && config.hidden_act != "gelu_pytorch_tanh" &&
      config.hidden_act != "gelu") {
    throw Error(
        fmt::format("{}: activation_function '{}' is not supported (expected gelu_new, "
                    "gelu_pytorch_tanh or gelu)",
                    where, config.hidden_act));
  }
  config.scale_attn_weights = BoolField(json, "scale_attn_weights", where, true);
  config.scale_attn_by_inverse_layer_idx =
      BoolField(json, "scale_attn_by_inverse_layer_idx", where, false);
  if (BoolField(json, "reorder_and_upcast_attn", where, false)) {
    throw Error(fmt::format("{}: reorder_and_upcast_attn=true is not supported", where));
  }
}

}  // namespace

ModelConfig ParseModelConfig(const Json& json, const std::string& where) {
  if (!json.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
  ModelConfig config;
  config.raw = json;
  std::optional<Json> architectures = Get(json, "architectures");
  if (!architectures || !architectures->is_array() || architectures->empty() ||
      !(*architectures)[0].is_string()) {
    throw Error(
        fmt::format("{}: field 'architectures' is missing or not a list of names; expected "
                    "e.g. [\"LlamaForCausalLM\"]",
                    where));
  }
  config.architecture = (*architectures)[0].get<std::string>();
  config.model_type = StringField(json, "model_type", where, "");
  const std::string& arch = config.architecture;
  if (arch == "LlamaForCausalLM" || arch == "MistralForCausalLM" || arch == "Qwen2ForCausalLM") {
    ReadLlama(json, where, config);
  } else if (arch == "GPT2LMHeadModel") {
    ReadGpt2(json, where, config);
  } else {
    throw Error(
        fmt::format("{}: unknown architecture '{}'; supported: LlamaForCausalLM, "
                    "MistralForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel",
                    where, arch));
  }
  config.dtype =
      StringField(json, "dtype", where, StringField(json, "torch_dtype", where, "float32"));
  config.initializer_range = NumberField(json, "initializer_range", where, 0.02);
  if (Get(json, "bos_token_id")) config.bos_token_id = IntField(json, "bos_token_id", where);
  if (Get(json, "pad_token_id") && Get(json, "pad_token_id")->is_number_integer()) {
    config.pad_token_id = IntField(json, "pad_token_id", where);
  }
  config.eos_token_ids = IdList(json, "eos_token_id", where);

  // Consistency: every shape below must come out whole.
  if (config.num_key_value_heads == 0 || config.num_attention_heads % config.num_key_value_heads) {
    throw Error(fmt::format("{}: {} attention heads cannot be split into {} key/value heads", where,
                            config.num_attention_heads, config.num_key_value_heads));
  }
  if (config.family == Family::kGpt2 && config.hidden_size % config.num_attention_heads) {
    throw Error(fmt::format("{}: n_embd {} is not a multiple of n_head {}", where,
                            config.hidden_size, config.num_attention_heads));
  }
  if (config.head_dim == 0 || config.head_dim % 2 || config.vocab_size == 0 ||
      config.num_hidden_layers == 0) {
    throw Error(
        fmt::format("{}: head_dim {} (must be even and > 0), vocab_size {}, layers {}: "
                    "not a usable model",
                    where, config.head_dim, config.vocab_size, config.num_hidden_layers));
  }
  return config;
}

ModelConfig LoadModelConfig(const std::string& path) {
  namespace fs = std::filesystem;
  std::string file = path;
  if (fs::is_directory(path)) {
    RequireCheckpointDir(path);
    file = (fs::path(path) / "config.json").string();
  }
  if (!fs::exists(file)) RequireCheckpointDir(path);
  return ParseModelConfig(ReadJsonFile(file), file);
}

}  // namespace ilf::lm
