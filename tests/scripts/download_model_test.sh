#!/usr/bin/env bash
# scripts/download_model.sh against a Hugging Face-shaped tree served by python3 -m http.server on
# 127.0.0.1: a sharded checkpoint arrives whole (config, tokenizer files, the index and every shard),
# a single-file checkpoint too, a second run does nothing, and a missing repo fails leaving no DIR.
set -euo pipefail
src=${ILF_SOURCE_DIR:?}
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
root=$tmp/hub
sharded=$root/Org/Sharded-Model/resolve/main
single=$root/Org/Single/resolve/v1
mkdir -p "$sharded" "$single"
echo '{"model_type": "qwen2", "vocab_size": 8}' >"$sharded/config.json"
echo '{"version": "1.0"}' >"$sharded/tokenizer.json"
printf 'a\nb\n' >"$sharded/merges.txt"
head -c 3000 /dev/urandom >"$sharded/model-00001-of-00002.safetensors"
head -c 2000 /dev/urandom >"$sharded/model-00002-of-00002.safetensors"
cat >"$sharded/model.safetensors.index.json" <<'JSON'
{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",
 "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}
JSON
echo '{"model_type": "gpt2"}' >"$single/config.json"
head -c 1000 /dev/urandom >"$single/model.safetensors"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$root" >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/Org/Single/resolve/v1/config.json" >/dev/null && break
  sleep 0.1
done
export HF_ENDPOINT=http://127.0.0.1:$port

"$src/scripts/download_model.sh" Org/Sharded-Model "$tmp/out/sharded" >"$tmp/log1"
for f in config.json tokenizer.json merges.txt model.safetensors.index.json \
         model-00001-of-00002.safetensors model-00002-of-00002.safetensors; do
  cmp "$sharded/$f" "$tmp/out/sharded/$f"
done
test ! -e "$tmp/out/sharded/vocab.json"  # optional and absent upstream
test ! -e "$tmp/out/sharded.partial"

HF_REVISION=v1 "$src/scripts/download_model.sh" Org/Single "$tmp/out/single" >"$tmp/log2"
cmp "$single/model.safetensors" "$tmp/out/single/model.safetensors"
"$src/scripts/download_model.sh" Org/Single "$tmp/out/single" | grep -q "nothing to do"

if "$src/scripts/download_model.sh" Org/Missing "$tmp/out/missing" >"$tmp/log3" 2>&1; then
  echo "expected failure for a missing repo"; exit 1
fi
grep -q "cannot fetch http://127.0.0.1:$port/Org/Missing/resolve/main/config.json" "$tmp/log3"
test ! -e "$tmp/out/missing"
echo "3 passed, 0 failed"
