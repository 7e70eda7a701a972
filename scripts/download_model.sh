#!/usr/bin/env bash
# Downloads a Hugging Face checkpoint (config, tokenizer files, safetensors weights, single file or
# shards named by model.safetensors.index.json) into DIR, for `ilf round`, `ilf generate` and
# scripts/demo.sh --model DIR.
#
#   scripts/download_model.sh [REPO_ID] [DIR]
#     REPO_ID  default Qwen/Qwen2.5-Coder-0.5B-Instruct
#     DIR      default models/<name in lower case>
#   HF_ENDPOINT  the hub (default https://huggingface.co; a mirror or a local server in tests)
#   HF_REVISION  branch, tag or commit (default main)
#   HF_TOKEN     sent as a bearer token when set (gated models)
#
# Files land in DIR.partial and DIR appears only when every file arrived and config.json and the
# index parse; an existing DIR is left alone. Exit 1 when a required file cannot be fetched.
set -euo pipefail
repo=${1:-Qwen/Qwen2.5-Coder-0.5B-Instruct}
name=$(basename "$repo" | tr '[:upper:]' '[:lower:]')
dir=${2:-models/$name}
endpoint=${HF_ENDPOINT:-https://huggingface.co}
revision=${HF_REVISION:-main}
if [ -e "$dir/config.json" ]; then
  echo "download_model: $dir already holds a checkpoint; nothing to do"
  exit 0
fi
partial="$dir.partial"
mkdir -p "$partial"
auth=()
[ -n "${HF_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $HF_TOKEN")

# fetch FILE [optional]: downloads $endpoint/$repo/resolve/$revision/FILE into $partial/FILE.
fetch() {
  local file=$1 optional=${2:-}
  local url="$endpoint/$repo/resolve/$revision/$file"
  mkdir -p "$(dirname "$partial/$file")"
  if curl -sSfL --retry 3 "${auth[@]}" -o "$partial/$file.tmp" "$url" 2>/dev/null; then
    mv "$partial/$file.tmp" "$partial/$file"
    echo "download_model: $file ($(stat -c %s "$partial/$file") bytes)"
    return 0
  fi
  rm -f "$partial/$file.tmp"
  if [ -z "$optional" ]; then
    echo "download_model: cannot fetch $url (hint: check the repo id, HF_ENDPOINT, HF_TOKEN for gated models, the network)" >&2
    exit 1
  fi
  return 1
}

fetch config.json
for f in generation_config.json tokenizer.json tokenizer_config.json vocab.json merges.txt \
         special_tokens_map.json; do
  fetch "$f" optional || true
done
if ! fetch model.safetensors optional; then
  fetch model.safetensors.index.json
  shards=$(python3 -c 'import json,sys; print("\n".join(sorted(set(json.load(open(sys.argv[1]))["weight_map"].values()))))' \
    "$partial/model.safetensors.index.json") || {
    echo "download_model: $partial/model.safetensors.index.json has no weight_map" >&2
    exit 1
  }
  for shard in $shards; do fetch "$shard"; done
fi
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$partial/config.json" || {
  echo "download_model: $partial/config.json is not JSON" >&2
  exit 1
}
rm -rf "$dir"
mv "$partial" "$dir"
echo "download_model: $repo -> $dir"
