"""A self-contained eager PyTorch implementation of the architectures ilf supports.

Used by torch_baseline.py when `transformers` is not installed, so that the baseline is the same
model in plain PyTorch (no fused kernels beyond what torch itself offers). Parameter names are the
Hugging Face ones, so a checkpoint directory loads by name (hf_checkpoint.load_checkpoint):

  Llama, Mistral, Qwen2 (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM): RMSNorm
    pre-norm blocks, RoPE (rope_theta at the top level or in rope_parameters / rope_scaling, linear
    scaling), grouped-query attention, q/k/v biases for Qwen2 (attention_bias / mlp_bias for
    Llama), SwiGLU MLP, tied or untied lm_head, Mistral's sliding window.
  GPT-2 (GPT2LMHeadModel): learned positions, Conv1D weights [in, out], GELU (tanh or exact),
    LayerNorm, tied lm_head.

Config reading follows src/lm/model_config.cc field for field (transformers 4.x and 5.x forms).
Decoding keeps a preallocated KV cache per layer; every row of a batch has the same length (the
benchmarks use equal-length random prompts), so no padding mask is needed.
"""

import json
import math
import os
from dataclasses import dataclass, field
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import nn

TORCH_VERSION = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2])
# scaled_dot_product_attention exists from torch 2.0, its scale= argument from 2.1.
SDPA_HAS_SCALE = hasattr(F, "scaled_dot_product_attention") and TORCH_VERSION >= (2, 1)


class ConfigError(Exception):
    """A config.json or checkpoint that cannot be used; the message names the file and field."""


@dataclass
class Config:
    architecture: str
    model_type: str
    gpt2: bool  # GPT-2 family, else Llama family
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    max_position_embeddings: int
    rms_norm_eps: float = 1e-6
    layer_norm_epsilon: float = 1e-5
    rope_theta: float = 10000.0
    rope_linear_factor: float = 1.0
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    tie_word_embeddings: bool = False
    hidden_act: str = "silu"
    initializer_range: float = 0.02
    scale_attn_weights: bool = True
    scale_attn_by_inverse_layer_idx: bool = False
    sliding_window: Optional[int] = None
    eos_token_ids: List[int] = field(default_factory=list)
    pad_token_id: Optional[int] = None


def config_file(path):
    return os.path.join(path, "config.json") if os.path.isdir(path) else path


def _get(raw, key, where, kind, default=None):
    value = raw.get(key)
    if value is None:
        if default is None and kind is int:
            raise ConfigError(f"{where}: field '{key}' is missing; a causal LM config needs it")
        return default
    ok = {int: lambda v: isinstance(v, int) and not isinstance(v, bool),
          float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          bool: lambda v: isinstance(v, bool), str: lambda v: isinstance(v, str),
          dict: lambda v: isinstance(v, dict)}[kind]
    if not ok(value):
        raise ConfigError(
            f"{where}: field '{key}' is {json.dumps(value)}, expected {kind.__name__}")
    return kind(value)


def parse_config(raw, where):
    archs = raw.get("architectures")
    if not isinstance(archs, list) or not archs or not isinstance(archs[0], str):
        raise ConfigError(f"{where}: field 'architectures' is missing or not a list of names")
    arch, model_type = archs[0], _get(raw, "model_type", where, str, "")
    if arch in ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"):
        heads = _get(raw, "num_attention_heads", where, int)
        hidden = _get(raw, "hidden_size", where, int)
        qwen2 = model_type == "qwen2" or arch == "Qwen2ForCausalLM"
        attention_bias = _get(raw, "attention_bias", where, bool, False)
        c = Config(arch, model_type, False, _get(raw, "vocab_size", where, int), hidden,
                   _get(raw, "intermediate_size", where, int),
                   _get(raw, "num_hidden_layers", where, int), heads,
                   _get(raw, "num_key_value_heads", where, int, heads),
                   _get(raw, "head_dim", where, int, hidden // max(heads, 1)),
                   _get(raw, "max_position_embeddings", where, int, 2048),
                   rms_norm_eps=_get(raw, "rms_norm_eps", where, float, 1e-6),
                   qkv_bias=qwen2 or attention_bias, o_bias=not qwen2 and attention_bias,
                   mlp_bias=_get(raw, "mlp_bias", where, bool, False),
                   tie_word_embeddings=_get(raw, "tie_word_embeddings", where, bool, False),
                   hidden_act=_get(raw, "hidden_act", where, str, "silu"))
        if c.hidden_act != "silu":
            raise ConfigError(
                f"{where}: hidden_act '{c.hidden_act}' is not supported (expected silu)")
        c.rope_theta = _get(raw, "rope_theta", where, float, 10000.0)
        for key in ("rope_parameters", "rope_scaling"):
            rope = _get(raw, key, where, dict)
            if rope is None:
                continue
            c.rope_theta = _get(rope, "rope_theta", where, float, c.rope_theta)
            kind = _get(rope, "rope_type", where, str, _get(rope, "type", where, str, "default"))
            if kind == "linear":
                c.rope_linear_factor = _get(rope, "factor", where, float, 1.0)
            elif kind != "default":
                raise ConfigError(f"{where}: {key}.rope_type '{kind}' is not supported")
        if _get(raw, "use_sliding_window", where, bool, model_type == "mistral"):
            c.sliding_window = _get(raw, "sliding_window", where, int, 0) or None
    elif arch == "GPT2LMHeadModel":
        hidden = _get(raw, "n_embd", where, int)
        heads = _get(raw, "n_head", where, int)
        c = Config(arch, model_type, True, _get(raw, "vocab_size", where, int), hidden,
                   _get(raw, "n_inner", where, int, 4 * hidden), _get(raw, "n_layer", where, int),
                   heads, heads, hidden // max(heads, 1), _get(raw, "n_positions", where, int),
                   layer_norm_epsilon=_get(raw, "layer_norm_epsilon", where, float, 1e-5),
                   qkv_bias=True, o_bias=True, mlp_bias=True,
                   tie_word_embeddings=_get(raw, "tie_word_embeddings", where, bool, True),
                   hidden_act=_get(raw, "activation_function", where, str, "gelu_new"),
                   scale_attn_weights=_get(raw, "scale_attn_weights", where, bool, True),
                   scale_attn_by_inverse_layer_idx=_get(
                       raw, "scale_attn_by_inverse_layer_idx", where, bool, False))
        if c.hidden_act not in ("gelu_new", "gelu_pytorch_tanh", "gelu"):
            raise ConfigError(f"{where}: activation_function '{c.hidden_act}' is not supported")
        if _get(raw, "reorder_and_upcast_attn", where, bool, False):
            raise ConfigError(f"{where}: reorder_and_upcast_attn=true is not supported")
    else:
        raise ConfigError(f"{where}: unknown architecture '{arch}'; supported: LlamaForCausalLM, "
                          "MistralForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel")
    c.initializer_range = _get(raw, "initializer_range", where, float, 0.02)
    if isinstance(raw.get("pad_token_id"), int):
        c.pad_token_id = raw["pad_token_id"]
    eos = raw.get("eos_token_id")
    c.eos_token_ids = [eos] if isinstance(eos, int) else list(eos or [])
    if (c.num_key_value_heads == 0 or c.num_attention_heads % c.num_key_value_heads
            or c.head_dim <= 0 or c.head_dim % 2):
        raise ConfigError(f"{where}: {c.num_attention_heads} heads / {c.num_key_value_heads} kv "
                          f"heads / head_dim {c.head_dim}: not a usable model")
    return c


def load_config(path):
    file = config_file(path)
    if not os.path.exists(file):
        raise ConfigError(f"{file}: no such file; a model directory needs a config.json")
    with open(file) as f:
        return parse_config(json.load(f), file)


def attention(q, k, v, scale, causal, window):
    """q [B, H, Tq, D], k/v [B, H, Tk, D] (Tq == Tk when causal) -> [B, H, Tq, D]."""
    mask = None
    tq, tk = q.shape[2], k.shape[2]
    # Mistral's window: key j is visible to query i iff i - window < j <= i.
    if window is not None and tk > window:
        i = torch.arange(tk - tq, tk, device=q.device)[:, None]
        j = torch.arange(tk, device=q.device)[None, :]
        mask, causal = (j <= i) & (j > i - window), False
    if SDPA_HAS_SCALE:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal,
                                              scale=scale)
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale  # [B, H, Tq, Tk]
    if causal:
        mask = torch.ones(tq, tk, dtype=torch.bool, device=q.device).tril(tk - tq)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
    return torch.matmul(probs, v)


class KvCache:
    """Preallocated keys and values per layer: [B, kv_heads, max_len, D] each."""

    def __init__(self, config, batch, max_len, dtype, device):
        shape = (batch, config.num_key_value_heads, max_len, config.head_dim)
        self.k = [torch.empty(shape, dtype=dtype, device=device)
                  for _ in range(config.num_hidden_layers)]
        self.v = [torch.empty(shape, dtype=dtype, device=device)
                  for _ in range(config.num_hidden_layers)]

    def update(self, layer, pos, k, v):
        t = k.shape[2]
        self.k[layer][:, :, pos:pos + t] = k
        self.v[layer][:, :, pos:pos + t] = v
        return self.k[layer][:, :, :pos + t], self.v[layer][:, :, :pos + t]


class RmsNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(dim)), eps

    def forward(self, x):
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, c, layer):
        super().__init__()
        self.c, self.layer = c, layer
        h, kv, d = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, h * d, bias=c.qkv_bias)
        self.k_proj = nn.Linear(c.hidden_size, kv * d, bias=c.qkv_bias)
        self.v_proj = nn.Linear(c.hidden_size, kv * d, bias=c.qkv_bias)
        self.o_proj = nn.Linear(h * d, c.hidden_size, bias=c.o_bias)

    def forward(self, x, cos, sin, cache, pos):
        b, t, _ = x.shape
        c = self.c
        q = self.q_proj(x).view(b, t, -1, c.head_dim).transpose(1, 2)  # [B, H, T, D]
        k = self.k_proj(x).view(b, t, -1, c.head_dim).transpose(1, 2)  # [B, KV, T, D]
        v = self.v_proj(x).view(b, t, -1, c.head_dim).transpose(1, 2)  # [B, KV, T, D]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            k, v = cache.update(self.layer, pos, k, v)  # [B, KV, pos+T, D]
        group = c.num_attention_heads // c.num_key_value_heads
        if group > 1:
            k = k.repeat_interleave(group, dim=1)  # [B, H, Tk, D]
            v = v.repeat_interleave(group, dim=1)
        o = attention(q, k, v, 1.0 / math.sqrt(c.head_dim), causal=t > 1,
                      window=c.sliding_window)  # [B, H, T, D]
        return self.o_proj(o.transpose(1, 2).reshape(b, t, -1))


class LlamaMlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=c.mlp_bias)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=c.mlp_bias)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=c.mlp_bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaBlock(nn.Module):
    def __init__(self, c, layer):
        super().__init__()
        self.input_layernorm = RmsNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = LlamaAttention(c, layer)
        self.post_attention_layernorm = RmsNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = LlamaMlp(c)

    def forward(self, x, cos, sin, cache, pos):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, pos)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(LlamaBlock(c, i) for i in range(c.num_hidden_layers))
        self.norm = RmsNorm(c.hidden_size, c.rms_norm_eps)


class LlamaForCausalLm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = LlamaModel(c)
        self.lm_head = None if c.tie_word_embeddings else nn.Linear(c.hidden_size, c.vocab_size,
                                                                     bias=False)

    def forward(self, ids, cache=None, pos=0, last_only=False):
        """ids [B, T] at positions pos..pos+T-1 -> logits [B, T or 1, V]."""
        c = self.c
        x = self.model.embed_tokens(ids)  # [B, T, hidden]
        inv_freq = 1.0 / (c.rope_theta ** (
            torch.arange(0, c.head_dim, 2, device=ids.device, dtype=torch.float32) / c.head_dim))
        positions = torch.arange(pos, pos + ids.shape[1], device=ids.device, dtype=torch.float32)
        freqs = torch.outer(positions / c.rope_linear_factor, inv_freq)  # [T, D/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)  # [T, D]
        for block in self.model.layers:
            x = block(x, cos, sin, cache, pos)
        x = self.model.norm(x[:, -1:] if last_only else x)
        weight = self.model.embed_tokens.weight if self.lm_head is None else self.lm_head.weight
        return F.linear(x, weight)


class Conv1D(nn.Module):
    """GPT-2's transposed linear layer: weight [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(
            *x.shape[:-1], -1)


class Gpt2Attention(nn.Module):
    def __init__(self, c, layer):
        super().__init__()
        self.c, self.layer = c, layer
        self.c_attn = Conv1D(c.hidden_size, 3 * c.hidden_size)
        self.c_proj = Conv1D(c.hidden_size, c.hidden_size)

    def forward(self, x, cache, pos):
        b, t, d = x.shape
        c = self.c
        q, k, v = (y.view(b, t, -1, c.head_dim).transpose(1, 2)  # [B, H, T, D] each
                   for y in self.c_attn(x).split(d, dim=2))
        if cache is not None:
            k, v = cache.update(self.layer, pos, k, v)
        scale = 1.0 / math.sqrt(c.head_dim) if c.scale_attn_weights else 1.0
        if c.scale_attn_by_inverse_layer_idx:
            scale /= self.layer + 1
        o = attention(q, k, v, scale, causal=t > 1, window=None)
        return self.c_proj(o.transpose(1, 2).reshape(b, t, d))


class Gpt2Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = Conv1D(c.hidden_size, c.intermediate_size)
        self.c_proj = Conv1D(c.intermediate_size, c.hidden_size)
        self.approximate = "none" if c.hidden_act == "gelu" else "tanh"

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate=self.approximate))


class Gpt2Block(nn.Module):
    def __init__(self, c, layer):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_epsilon)
        self.attn = Gpt2Attention(c, layer)
        self.ln_2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_epsilon)
        self.mlp = Gpt2Mlp(c)

    def forward(self, x, cache, pos):
        x = x + self.attn(self.ln_1(x), cache, pos)
        return x + self.mlp(self.ln_2(x))


class Gpt2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c.vocab_size, c.hidden_size)
        self.wpe = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.h = nn.ModuleList(Gpt2Block(c, i) for i in range(c.num_hidden_layers))
        self.ln_f = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_epsilon)


class Gpt2LmHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = Gpt2Model(c)
        self.lm_head = None if c.tie_word_embeddings else nn.Linear(c.hidden_size, c.vocab_size,
                                                                     bias=False)

    def forward(self, ids, cache=None, pos=0, last_only=False):
        tr = self.transformer
        positions = torch.arange(pos, pos + ids.shape[1], device=ids.device)
        x = tr.wte(ids) + tr.wpe(positions)  # [B, T, hidden]
        for block in tr.h:
            x = block(x, cache, pos)
        x = tr.ln_f(x[:, -1:] if last_only else x)
        weight = tr.wte.weight if self.lm_head is None else self.lm_head.weight
        return F.linear(x, weight)


def make_model(config, seed):
    """A randomly initialised model (Hugging Face's init: normal(0, initializer_range) weights,
    zero biases, unit norms), float32 on the CPU; move it with .to()."""
    torch.manual_seed(seed)
    model = Gpt2LmHeadModel(config) if config.gpt2 else LlamaForCausalLm(config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.zero_()
            elif "norm" in name or ".ln_" in name or name.startswith("transformer.ln_f"):
                p.fill_(1.0)
            else:
                p.normal_(0.0, config.initializer_range)
    return model
