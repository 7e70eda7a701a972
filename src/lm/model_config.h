// ModelConfig: the fields of a Hugging Face config.json that the forward pass needs, field by
// field.
//
// Supported architectures ("architectures"[0] in config.json):
//   LlamaForCausalLM, MistralForCausalLM  (RMSNorm, RoPE, SwiGLU, grouped-query attention)
//   Qwen2ForCausalLM                      (the same, with q/k/v biases)
//   GPT2LMHeadModel                       (LayerNorm, learned positions, GELU(tanh), Conv1D
//   weights)
// Files written by transformers 4.x and 5.x both load: `rope_theta` at the top level or inside
// `rope_parameters`/`rope_scaling`, `torch_dtype` or `dtype`. GPT-2's own names (n_embd, n_head,
// n_layer, n_positions, n_inner, layer_norm_epsilon) fill the same fields as the Llama names.
// This header has no torch dependency: the runner reads configs without LibTorch.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ilf::lm {

enum class Family {
  kLlama,  // Llama, Mistral, Qwen2: pre-norm RMSNorm blocks with RoPE and SwiGLU
  kGpt2,   // GPT-2: pre-norm LayerNorm blocks with learned positions and GELU
};

struct ModelConfig {
  std::string architecture;             // "architectures"[0], e.g. "Qwen2ForCausalLM"
  std::string model_type;               // "llama", "qwen2", "mistral", "gpt2"
  Family family = Family::kLlama;       // derived from architecture
  int64_t vocab_size = 0;               // rows of the embedding and of lm_head
  int64_t hidden_size = 0;              // model width (GPT-2: n_embd)
  int64_t intermediate_size = 0;        // MLP width (GPT-2: n_inner, default 4 * n_embd)
  int64_t num_hidden_layers = 0;        // transformer blocks (GPT-2: n_layer)
  int64_t num_attention_heads = 0;      // query heads (GPT-2: n_head)
  int64_t num_key_value_heads = 0;      // key/value heads (GQA); default num_attention_heads
  int64_t head_dim = 0;                 // per-head width; default hidden_size / num_attention_heads
  int64_t max_position_embeddings = 0;  // longest sequence (GPT-2: n_positions, a hard limit)
  double rms_norm_eps = 1e-6;           // RMSNorm epsilon (Llama family)
  double layer_norm_epsilon = 1e-5;     // LayerNorm epsilon (GPT-2)
  double rope_theta = 10000.0;          // RoPE base (top level or rope_parameters.rope_theta)
  double rope_linear_factor = 1.0;  // rope_scaling {"rope_type": "linear", "factor": f}; 1 = none
  bool qkv_bias = false;  // biases on q/k/v projections (Qwen2: always; Llama: attention_bias)
  bool o_bias = false;    // bias on o_proj (Llama attention_bias; Qwen2 never)
  bool mlp_bias = false;  // biases on gate/up/down (Llama mlp_bias)
  bool tie_word_embeddings = false;  // lm_head shares the token embedding (then it may be absent)
  std::string hidden_act =
      "silu";                     // "silu" (Llama family) or "gelu_new"/"gelu_pytorch_tanh"/"gelu"
  std::string dtype = "float32";  // torch_dtype / dtype: "float32", "bfloat16", "float16"
  double initializer_range = 0.02;               // std of HF's normal init (init-model)
  bool scale_attn_weights = true;                // GPT-2: divide scores by sqrt(head_dim)
  bool scale_attn_by_inverse_layer_idx = false;  // GPT-2: also divide by (layer index + 1)
  std::optional<int64_t> sliding_window;         // Mistral's window in tokens, when it applies
  std::optional<int64_t> bos_token_id;           // beginning-of-text id, if any
  std::vector<int64_t> eos_token_ids;   // end-of-text ids (an int or a list in config.json)
  std::optional<int64_t> pad_token_id;  // padding id, if any
  nlohmann::json raw;                   // the whole config.json, for writing it back unchanged

  int64_t group_size() const { return num_attention_heads / num_key_value_heads; }
};

// Parses a config.json value. `where` (the file path) names it in errors; an unknown architecture
// or a missing/inconsistent field throws ilf::Error naming the file, the field and the value.
ModelConfig ParseModelConfig(const nlohmann::json& json, const std::string& where);

// Reads `path`: a config.json file, or a directory that holds one.
ModelConfig LoadModelConfig(const std::string& path);

}  // namespace ilf::lm
