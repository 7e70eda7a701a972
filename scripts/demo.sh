#!/usr/bin/env bash
# Sets everything up and runs the main job on a built-in default. Until ILF rounds exist, that is the
# most complete job there is: list the suites, then evaluate MBPP's 974 reference programs and
# HumanEval's 164 canonical solutions end to end in the sandbox (pass@1 should be 100%).
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
