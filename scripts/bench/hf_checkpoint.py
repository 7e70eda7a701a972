"""Hugging Face checkpoint directories for the eager model: safetensors parsed with json and
numpy (no safetensors package), weights loaded by name with shape checks."""

import json
import os
import struct

import numpy as np
import torch

from eager_model import ConfigError, load_config, make_model


def read_safetensors(path):
    """{name: float32 numpy array} of a .safetensors file (F32, F16, BF16, F64)."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    body = memoryview(data)[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw, dtype = body[begin:end], info["dtype"]
        if dtype == "BF16":
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype in ("F32", "F16", "F64"):
            array = np.frombuffer(raw, dtype={"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dtype])
        else:
            raise ConfigError(f"{path}: tensor '{name}' has dtype {dtype}; expected a float type")
        tensors[name] = array.astype(np.float32).reshape(info["shape"])
    return tensors


def load_checkpoint(directory):
    """A Hugging Face checkpoint directory (config.json + model.safetensors or shards listed in
    model.safetensors.index.json) as an eager float32 model. Missing, unexpected or mis-shaped
    tensors raise ConfigError naming them."""
    config = load_config(directory)
    model = make_model(config, 0)
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    tensors = {}
    for name in files:
        tensors.update(read_safetensors(os.path.join(directory, name)))
    params = dict(model.named_parameters())
    # Old GPT-2 files carry attention-mask buffers; tied models may carry the tied lm_head.
    ignored = (".attn.bias", ".attn.masked_bias")
    unexpected = [n for n in tensors if n not in params and not n.endswith(ignored)
                  and not (n == "lm_head.weight" and config.tie_word_embeddings)]
    missing = [n for n in params if n not in tensors]
    if missing or unexpected:
        raise ConfigError(
            f"{directory}: missing tensors {missing[:5]}, unexpected {unexpected[:5]}")
    with torch.no_grad():
        for name, p in params.items():
            value = tensors[name]
            if tuple(value.shape) != tuple(p.shape):
                raise ConfigError(f"{directory}: tensor '{name}' has shape {list(value.shape)}, "
                                  f"the model expects {list(p.shape)}")
            p.copy_(torch.from_numpy(value))
    return model
