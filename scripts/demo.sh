#!/usr/bin/env bash
# Sets everything up and runs the main job on a built-in default. Until ILF rounds exist, that is the
# most complete job there is:
#   1. list the suites;
#   2. evaluate MBPP's 974 reference programs and HumanEval's 164 canonical solutions end to end in the
#      sandbox (pass@1 = 100%);
#   3. run the model pipeline on a randomly initialised tiny Qwen2 (init-model -> generate on
#      MBPP's chen-test split -> eval): pass@k is 0 there, since random weights write gibberish, but
#      every stage runs for real.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ilf=build/runner/ilf
export ILF_DATA_DIR=${ILF_DATA_DIR:-$(cd .. && pwd)/shared/data}
if [ ! -f "$ILF_DATA_DIR/mbpp/mbpp.jsonl" ]; then
  echo "demo: no reference data in $ILF_DATA_DIR; downloading the public originals into ./data"
  scripts/download_data.sh data
  export ILF_DATA_DIR=$(pwd)/data
fi
$ilf suites
echo
$ilf eval --suite mbpp --reference --k 1 --out runs/demo/mbpp-reference
echo
$ilf eval --suite humaneval --reference --k 1 --out runs/demo/humaneval-reference
config=$ILF_DATA_DIR/golden/qwen2-tiny/config.json
tokenizer=$ILF_DATA_DIR/tokenizers/qwen2.5-coder-0.5b-instruct
if [ -f "$config" ] && [ -d "$tokenizer" ]; then
  echo
  echo "demo: model pipeline on a random tiny Qwen2 (2.4 M parameters; expect pass@k = 0)"
  $ilf init-model --config "$config" --tokenizer "$tokenizer" --out runs/demo/tiny-qwen2 --seed 1
  $ilf generate --model runs/demo/tiny-qwen2 --suite mbpp:chen-test --n 2 --temperature 0.8 \
    --max-new-tokens 48 --seed 1 --out runs/demo/tiny-qwen2-samples.jsonl
  $ilf eval --suite mbpp:chen-test --samples runs/demo/tiny-qwen2-samples.jsonl --k 1,2 \
    --out runs/demo/tiny-qwen2-eval
fi
