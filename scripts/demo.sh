#!/usr/bin/env bash
# The main job: one ILF round (DESIGN.md §1) end to end, then its report.
#
#   scripts/demo.sh                 a tiny GPT-2-shaped model made by `ilf init-model` (3.4 M
#                                   parameters, GPT-2 tokenizer) on 6 MBPP tasks the ILF paper's
#                                   annotators wrote feedback and refinements for
#   scripts/demo.sh --model DIR     the same round on a Hugging Face checkpoint (e.g. one fetched by
#                                   scripts/download_model.sh), with the paper's learning rates
#
# What the tiny model's numbers mean: a random model writes no correct program (pass@1 0 before).
# Stage 0 trains π_Refine on the human annotations of the same 6 tasks (feedback + refinement), so
# π_Refine learns to turn that feedback into those refinements; the round then samples programs
# from π_θ, gives the paper's human feedback, refines, keeps the refinements that pass the tests,
# finetunes π_θ on them and evaluates π_θ again on the same tasks. pass@1 rising from 0 shows every
# stage working and π_θ learning the selected refinements; it is memorisation of 6 tasks, not
# generalisation to unseen ones (configs/mbpp-paper.json is the paper's setting for that, on a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
model=""
while [ $# -gt 0 ]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--model DIR]" >&2; exit 2 ;;
  esac
done
scripts/setup.sh
ilf=build/runner/ilf
export ILF_DATA_DIR=${ILF_DATA_DIR:-$(cd .. && pwd)/shared/data}
if [ ! -f "$ILF_DATA_DIR/mbpp/mbpp.jsonl" ]; then
  echo "demo: no reference data in $ILF_DATA_DIR; downloading the public originals into ./data"
  scripts/download_data.sh data
  export ILF_DATA_DIR=$(pwd)/data
fi
run=runs/demo-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$run"
if [ -z "$model" ]; then
  model=$run/model
  $ilf init-model --config configs/demo-model.json --tokenizer "$ILF_DATA_DIR/tokenizers/gpt2" \
    --out "$model" --seed 0
fi
# The effective config: configs/demo.json with this machine's paths (and, for a real model, the
# paper's learning rate instead of the tiny model's).
python3 - "$model" "$ILF_DATA_DIR" "$run/config.json" "$([ "$model" = "$run/model" ] && echo tiny)" <<'PY'
import json, sys
model, data, out, tiny = sys.argv[1:5]
c = json.load(open("configs/demo.json"))
surge = data + "/ilf-code/surge_annotations.jsonl"
c["policy_model"] = model
c["feedback"]["source"] = "human:" + surge
c["refiner"]["annotations"] = surge
if not tiny:
    c["device"] = "auto"
    for f in (c["finetune"], c["refiner"]["finetune"]):
        f.update({"lr": 5e-6, "epochs": 2})
json.dump(c, open(out, "w"), indent=2)
PY
$ilf round --config "$run/config.json" --run-dir "$run/run"
$ilf report "$run/run"
echo "demo: report at $run/run/report.html and $run/run/report.md"
