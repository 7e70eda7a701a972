#!/usr/bin/env python3
"""Same-run Python baselines for `ilf bench generate` and `ilf bench train`.

  torch_baseline.py generate --config C --batch B --new-tokens T --prompt-tokens P
                             --dtype float32|bfloat16|float16 --device cpu|cuda[:N] --seed S
                             [--warmup N] [--threads N] [--implementation auto|transformers|eager]
  torch_baseline.py train --config C --batch B --seq T --steps N --dtype ... --device ... --seed S
  torch_baseline.py logits --model DIR --ids 1,2,3 [--implementation eager|transformers]

The model is Hugging Face transformers' (AutoModelForCausalLM.from_config, random init, sdpa
attention) when transformers imports, else the eager PyTorch implementation in eager_model.py. Each
command prints ONE JSON object on stdout; logs go to stderr. Bad input exits 2 with a message.

The measurements are defined as ilf's benches define them (src/lm/bench_generate.cc,
src/lm/train/bench_train.cc):
  generate: greedy, every row makes exactly new_tokens tokens. prefill_s runs from the start of
    generation to the first token; decode_s sums the following new_tokens-1 steps;
    decode_tokens_per_s = batch*(new_tokens-1)/decode_s; tokens_per_s =
    batch*new_tokens/(prefill_s+decode_s). --warmup untimed generations of 2 tokens come first
    (ilf does none, so this favours the baseline).
  train: one untimed warm-up step, then `steps` timed steps of zero_grad, forward, mean next-token
    cross-entropy over all B*(T-1) targets (float32), backward, clip_grad_norm_(1.0),
    torch.optim.AdamW(lr 1e-5, betas (0.9, 0.999), eps 1e-8, weight_decay 0). Parameters are
    float32; bfloat16/float16 means autocast compute with float32 master weights, as ilf.
    step_s is the lower median; tokens_per_s = batch*seq/step_s.
On the CPU the thread policy is ilf's (src/lm/threads.h): when OpenBLAS is loaded it gets all
threads and torch's intra-op pool one; otherwise torch gets them all.
"""

import argparse
import contextlib
import ctypes
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eager_model  # noqa: E402
import hf_checkpoint  # noqa: E402

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def log(message):
    print(f"torch_baseline: {message}", file=sys.stderr, flush=True)


def configure_threads(threads):
    """ilf's policy; returns (threads, blas description)."""
    if threads <= 0:
        threads = os.cpu_count() or 1
    blas_path = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "openblas" in path.lower() and path.startswith("/"):
                blas_path = path
                break
    if blas_path is not None:
        lib = ctypes.CDLL(blas_path)
        if hasattr(lib, "openblas_set_num_threads"):
            torch.set_num_threads(1)
            lib.openblas_set_num_threads(threads)
            return threads, f"OpenBLAS ({blas_path})"
    torch.set_num_threads(threads)
    return threads, "torch (" + torch.__config__.parallel_info().splitlines()[-1].strip() + ")"


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory(device):
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 1048576.0, "cuda_allocated"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "process_rss"


def transformers_module(choice):
    if choice == "eager":
        return None
    try:
        import transformers
        return transformers
    except ImportError as e:
        if choice == "transformers":
            raise SystemExit(f"torch_baseline: --implementation transformers: {e}")
        return None


def hf_config(transformers, path):
    file = eager_model.config_file(path)
    if os.path.basename(file) == "config.json":
        config = transformers.AutoConfig.from_pretrained(os.path.dirname(os.path.abspath(file)))
    else:
        with open(file) as f:
            raw = json.load(f)
        config = transformers.AutoConfig.for_model(raw.pop("model_type"), **raw)
    # ilf has no dropout; GPT-2 configs ask for it in training.
    for name in ("resid_pdrop", "embd_pdrop", "attn_pdrop", "attention_dropout"):
        if hasattr(config, name):
            setattr(config, name, 0.0)
    return config


def build_model(args, dtype, device):
    """(model, implementation name, eager?) with random weights of args.config."""
    config = eager_model.load_config(args.config)  # validates as ilf does, for both paths
    transformers = transformers_module(args.implementation)
    torch.manual_seed(args.seed)
    if transformers is not None:
        major = int(transformers.__version__.split(".")[0])
        dtype_arg = {"dtype" if major >= 5 else "torch_dtype": dtype}
        hf = hf_config(transformers, args.config)
        # torch >= 2.0: initialise on the device (a torch.device is a context manager there).
        context = device if eager_model.TORCH_VERSION >= (2, 0) else contextlib.nullcontext()
        with context:
            model = transformers.AutoModelForCausalLM.from_config(
                hf, attn_implementation="sdpa", **dtype_arg)
        name = f"transformers {'.'.join(transformers.__version__.split('.')[:2])}"
        if next(model.parameters()).dtype != dtype:  # a version that took the config's dtype
            model = model.to(dtype=dtype)
        return model.to(device), config, name, False
    model = eager_model.make_model(config, args.seed).to(device=device, dtype=dtype)
    return model, config, "pytorch eager (torch_baseline.py)", True


def common_fields(args, device, threads, blas):
    return {"torch_version": torch.__version__, "device": str(device), "dtype": args.dtype,
            "threads": threads, "blas": blas, "config": args.config, "seed": args.seed}


def random_ids(vocab, shape, seed, device):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, shape, generator=generator).to(device)


def eager_generate(model, ids, new_tokens, on_token):
    """Greedy decoding with a preallocated KV cache; on_token() after each token."""
    b, p = ids.shape
    cache = eager_model.KvCache(model.c, b, p + new_tokens, model_dtype(model), ids.device)
    tokens = []
    with torch.inference_mode():
        logits = model(ids, cache, 0, last_only=True)  # [B, 1, V]
        for step in range(new_tokens):
            next_ids = logits[:, -1].argmax(-1, keepdim=True)  # [B, 1]
            tokens.append(next_ids)
            on_token()
            if step + 1 < new_tokens:
                logits = model(next_ids, cache, p + step)
    return torch.cat(tokens, dim=1)  # [B, new_tokens]


def model_dtype(model):
    return next(model.parameters()).dtype


def hf_generate(transformers, model, ids, new_tokens, pad_id, on_token):
    class Stamp(transformers.StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            on_token()
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    with torch.inference_mode():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                             pad_token_id=pad_id, use_cache=True,
                             stopping_criteria=transformers.StoppingCriteriaList([Stamp()]))
    return out[:, ids.shape[1]:]


def cmd_generate(args):
    if args.batch < 1 or args.new_tokens < 2 or args.prompt_tokens < 1:
        raise eager_model.ConfigError(
            f"--batch {args.batch} (>= 1), --new-tokens {args.new_tokens} (>= 2), "
            f"--prompt-tokens {args.prompt_tokens} (>= 1): out of range")
    device, dtype = torch.device(args.device), DTYPES[args.dtype]
    threads, blas = configure_threads(args.threads)
    model, config, implementation, eager = build_model(args, dtype, device)
    model.eval()
    ids = random_ids(config.vocab_size, (args.batch, args.prompt_tokens), args.seed, device)
    pad_id = config.pad_token_id if config.pad_token_id is not None else (
        config.eos_token_ids[0] if config.eos_token_ids else 0)
    transformers = None if eager else transformers_module("transformers")
    stamps = []

    def on_token():
        sync(device)
        stamps.append(time.perf_counter())

    def run(new_tokens):
        if eager:
            return eager_generate(model, ids, new_tokens, on_token)
        return hf_generate(transformers, model, ids, new_tokens, pad_id, on_token)

    for _ in range(args.warmup):
        run(2)
    stamps.clear()
    sync(device)
    start = time.perf_counter()
    out = run(args.new_tokens)
    if tuple(out.shape) != (args.batch, args.new_tokens) or len(stamps) != args.new_tokens:
        raise RuntimeError(f"generation made {tuple(out.shape)} tokens with {len(stamps)} steps, "
                           f"expected ({args.batch}, {args.new_tokens})")
    prefill_s = stamps[0] - start
    steps = sorted(b - a for a, b in zip(stamps, stamps[1:]))
    decode_s = sum(steps)
    b, t, p = args.batch, args.new_tokens, args.prompt_tokens
    memory, kind = peak_memory(device)
    result = {"bench": "generate", "implementation": implementation + (
        "" if eager else " generate()")}
    result.update(common_fields(args, device, threads, blas))
    result.update({"architecture": config.architecture,
                   "parameters": sum(p_.numel() for p_ in model.parameters()),
                   "batch": b, "prompt_tokens": p, "new_tokens": t, "warmup": args.warmup,
                   "prefill_s": prefill_s, "prefill_tokens_per_s": b * p / prefill_s,
                   "decode_s": decode_s, "decode_tokens_per_s": b * (t - 1) / decode_s,
                   "decode_step_ms": steps[len(steps) // 2] * 1e3,
                   "tokens_per_s": b * t / (prefill_s + decode_s),
                   "peak_memory_mib": memory, "peak_memory_kind": kind})
    return result


def cmd_train(args):
    if args.batch < 1 or args.seq < 2 or args.steps < 1:
        raise eager_model.ConfigError(f"--batch {args.batch} (>= 1), --seq {args.seq} (>= 2), "
                                      f"--steps {args.steps} (>= 1): out of range")
    device, compute = torch.device(args.device), DTYPES[args.dtype]
    threads, blas = configure_threads(args.threads)
    model, config, implementation, eager = build_model(args, torch.float32, device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-5, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=0.0)
    ids = random_ids(config.vocab_size, (args.batch, args.seq), args.seed + 1, device)
    mask = torch.ones_like(ids)
    autocast = compute != torch.float32

    def logits_of():
        if not autocast:
            return model(ids) if eager else model(input_ids=ids, attention_mask=mask).logits
        with torch.autocast(device_type=device.type, dtype=compute):
            return model(ids) if eager else model(input_ids=ids, attention_mask=mask).logits

    times, forward, backward = [], [], []
    for step in range(args.steps + 1):  # step 0 warms up
        sync(device)
        start = time.perf_counter()
        optimizer.zero_grad()
        logits = logits_of()  # [B, T, V]
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                               ids[:, 1:].reshape(-1))
        sync(device)
        forward_s = time.perf_counter() - start
        del logits
        loss.backward()
        sync(device)
        backward_s = time.perf_counter() - start - forward_s
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        sync(device)
        total_s = time.perf_counter() - start
        log(f"train step {step}/{args.steps} {total_s:.3f} s (forward {forward_s:.3f}, backward "
            f"{backward_s:.3f}), loss {loss.item():.4f}{' warm-up' if step == 0 else ''}")
        if step > 0:
            times.append(total_s)
            forward.append(forward_s)
            backward.append(backward_s)

    def median(values):
        return sorted(values)[(len(values) - 1) // 2]

    step_s = median(times)
    memory, kind = peak_memory(device)
    result = {"bench": "train", "implementation": implementation + (
        "" if eager else " training step")}
    result.update(common_fields(args, device, threads, blas))
    result.update({"architecture": config.architecture, "compute_dtype": args.dtype,
                   "params": sum(p.numel() for p in params), "batch": args.batch,
                   "seq": args.seq, "steps": args.steps, "step_s": step_s,
                   "forward_s": median(forward), "backward_s": median(backward),
                   "tokens_per_s": args.batch * args.seq / step_s, "final_loss": loss.item(),
                   "peak_memory_mib": memory, "peak_memory_kind": kind})
    return result


def cmd_logits(args):
    ids = [int(x) for x in args.ids.split(",") if x.strip()]
    if not ids:
        raise eager_model.ConfigError("--ids: expected a comma-separated list of token ids")
    transformers = transformers_module(args.implementation)
    if transformers is not None:
        model = transformers.AutoModelForCausalLM.from_pretrained(args.model)
        implementation = f"transformers {transformers.__version__}"
    else:
        model = hf_checkpoint.load_checkpoint(args.model)
        implementation = "pytorch eager (torch_baseline.py)"
    model.eval()
    with torch.no_grad():
        x = torch.tensor([ids])
        logits = model(x) if transformers is None else model(input_ids=x).logits  # [1, T, V]
    result = {"implementation": implementation, "torch_version": torch.__version__,
              "model": args.model, "ids": ids, "logits": logits[0, -1].double().tolist()}
    if args.greedy > 0:  # the benchmark's decoding loop (KV cache), on this checkpoint
        if transformers is None:
            out = eager_generate(model, x, args.greedy, lambda: None)
        else:
            out = hf_generate(transformers, model, x, args.greedy, 0, lambda: None)
        result["greedy"] = out[0].tolist()
    return result


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("generate", "train"):
        p = sub.add_parser(name)
        p.add_argument("--config", required=True, help="config.json or its directory")
        p.add_argument("--batch", type=int, required=True, help="rows / sequences per step")
        p.add_argument("--dtype", choices=sorted(DTYPES), default="float32",
                       help="generate: weights and compute; train: autocast compute dtype")
        p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N")
        p.add_argument("--seed", type=int, default=0, help="weights and tokens")
        p.add_argument("--threads", type=int, default=0, help="CPU threads; 0 = core count")
        p.add_argument("--implementation", choices=("auto", "transformers", "eager"),
                       default="auto", help="auto: transformers when it imports")
        if name == "generate":
            p.add_argument("--new-tokens", type=int, required=True, help="tokens per row (>= 2)")
            p.add_argument("--prompt-tokens", type=int, default=32, help="random prompt length")
            p.add_argument("--warmup", type=int, default=1,
                           help="untimed 2-token generations first")
        else:
            p.add_argument("--seq", type=int, required=True, help="tokens per sequence")
            p.add_argument("--steps", type=int, default=3, help="timed steps after one warm-up")
    p = sub.add_parser("logits", help="last-position logits of a checkpoint for given ids")
    p.add_argument("--model", required=True, help="Hugging Face checkpoint directory")
    p.add_argument("--ids", required=True, help="comma-separated token ids")
    p.add_argument("--greedy", type=int, default=0,
                   help="also decode this many greedy tokens with the benchmark's loop")
    p.add_argument("--implementation", choices=("eager", "transformers"), default="eager")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    try:
        if getattr(args, "device", "cpu").startswith("cuda") and not torch.cuda.is_available():
            raise eager_model.ConfigError(f"--device {args.device}: torch sees no CUDA device")
        result = {"generate": cmd_generate, "train": cmd_train, "logits": cmd_logits}[
            args.command](args)
    except (eager_model.ConfigError, OSError, ValueError) as e:
        print(f"torch_baseline: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
