#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run through `bash -c` (export -f) look unreachable
# The one script a GPU session runs (issues 4 and 5): build ilf against the PyTorch wheel's
# LibTorch, run the gpu- and torch-labelled tests, and time ilf against Hugging Face transformers
# in the same run, on Qwen2.5-Coder-0.5B's config with random weights:
#   ilf bench generate --batch 32 --new-tokens 128 --dtype bfloat16 --baseline $PY  (goal: >= 3x)
#   ilf bench train --batch 8 --seq 512 (bf16 autocast, float32 master weights) --baseline $PY
#                                                                                   (goal: >= 1x)
# Before the device run, on the CPU machine: scripts/gpu_prepare.sh (stages the Debian dev
# packages and the reference data the GPU image lacks under third_party/gpu/). Device run: carry
# ["third_party"], command `bash scripts/gpu_check.sh`, timeout_s 600.
#
# Steps run in order of value (benches before tests), each under `timeout` with a share of one
# budget (ILF_GPU_CHECK_BUDGET_S, default 480 s), so the whole run fits in about 8 minutes. A failed
# step is logged and the script goes on; it always exits 0 and summary.txt says what passed.
# Outputs in $OUT (8 files, the most the device tool returns): summary.txt env.txt build.log
# tests.log bench.log bench_generate.json bench_train.json baselines.jsonl.
#
# ILF_GPU_CHECK_DRY=1: the same steps on the CPU with tiny sizes, Debian's python3-torch as the
# baseline, build folder build-gpu-dry, into $OUT or a temp dir; run it after changing this file.
# Other settings: ILF_GPU_PYTHON (default /opt/torch/.venv/bin/python3), ILF_GPU_CHECK_BUILD_DIR,
# ILF_DATA_DIR, ILF_GPU_CHECK_JOBS (16; dry 2), ILF_GPU_CHECK_TESTS (ctest -R regex of the torch
# tests to run; default all, dry: baseline_test).
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
dry=${ILF_GPU_CHECK_DRY:-0}
OUT=${OUT:-$(mktemp -d /tmp/gpu_check.XXXXXX)}
mkdir -p "$OUT"
start_s=$(date +%s)
if [[ $dry == 1 ]]; then
  budget_s=${ILF_GPU_CHECK_BUDGET_S:-1800}
  jobs=${ILF_GPU_CHECK_JOBS:-2}
  build=${ILF_GPU_CHECK_BUILD_DIR:-$root/build-gpu-dry}
  device=cpu
  tests=${ILF_GPU_CHECK_TESTS:-baseline_test}
else
  budget_s=${ILF_GPU_CHECK_BUDGET_S:-480}
  jobs=${ILF_GPU_CHECK_JOBS:-16}
  build=${ILF_GPU_CHECK_BUILD_DIR:-$root/build-gpu}
  device=cuda
  tests=${ILF_GPU_CHECK_TESTS:-.}
fi
deadline_s=$((start_s + budget_s))
summary=$OUT/summary.txt
: > "$summary"

note() { echo "$*" | tee -a "$summary"; }

# step NAME CAP_S LOG CMD...: runs CMD under timeout min(CAP_S, budget left), appending its output
# to LOG; records OK / FAILED (status) / TIMEOUT / SKIPPED in summary.txt; returns CMD's status.
step() {
  local name=$1 cap=$2 log=$3
  shift 3
  local left=$((deadline_s - $(date +%s)))
  if ((left < 15)); then
    note "$(printf '%-24s SKIPPED (budget of %ss spent)' "$name" "$budget_s")"
    return 125
  fi
  local limit=$((cap < left ? cap : left)) t0 rc status
  echo "=== $name (timeout ${limit}s): $*" >> "$log"
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" >> "$log" 2>&1
  rc=$?
  case $rc in
    0) status=OK ;;
    124 | 137) status="TIMEOUT after ${limit}s" ;;
    *) status="FAILED (status $rc)" ;;
  esac
  echo "=== $name: $status" >> "$log"
  note "$(printf '%-24s %-22s %4ss  (log: %s)' "$name" "$status" "$(($(date +%s) - t0))" \
    "$(basename "$log")")"
  return $rc
}

# The interpreter with torch (and, on the GPU image, transformers).
python=${ILF_GPU_PYTHON:-/opt/torch/.venv/bin/python3}
if [[ $dry == 1 && -z ${ILF_GPU_PYTHON:-} ]]; then
  for p in /usr/bin/python3 python3; do
    if $p -c 'import torch' 2> /dev/null; then python=$(command -v $p) && break; fi
  done
fi
# Tools the image keeps next to its Python (cmake, ninja) and CUDA's compiler.
PATH=$PATH:$(dirname "$python")
[[ -d /usr/local/cuda/bin ]] && PATH=$PATH:/usr/local/cuda/bin
export PATH

# Reference data: $ILF_DATA_DIR, ../shared/data, shared/data, or what gpu_prepare.sh staged.
data=${ILF_DATA_DIR:-}
for d in "$root/../shared/data" "$root/shared/data" "$root/third_party/gpu/data"; do
  [[ -z $data && -f $d/tokenizers/qwen2.5-coder-0.5b-instruct/config.json ]] && data=$(cd "$d" && pwd)
done
export ILF_DATA_DIR=${data:-$root/../shared/data}
export ILF_BASELINE_PYTHON=$python
qwen=$ILF_DATA_DIR/tokenizers/qwen2.5-coder-0.5b-instruct/config.json
tiny=$ILF_DATA_DIR/golden/qwen2-tiny/config.json

{
  echo "date: $(date -u)  dry: $dry  budget: ${budget_s}s  jobs: $jobs"
  echo "root: $root  build: $build  data: $ILF_DATA_DIR  python: $python"
  uname -a
  grep PRETTY_NAME /etc/os-release
  nvidia-smi 2>&1 | head -n 15
  "$python" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__,
"cuda", torch.version.cuda, "available", torch.cuda.is_available(),
torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' 2>&1
  "$python" -c 'import transformers; print("transformers", transformers.__version__)' 2>&1 | tail -n 1
  for tool in c++ g++ cmake ninja make nvcc pkg-config dpkg-deb ccache; do
    printf '%-10s %s\n' "$tool" "$(command -v $tool > /dev/null && $tool --version 2>&1 | head -n 1 ||
      echo missing)"
  done
} > "$OUT/env.txt" 2>&1
note "gpu_check: $(date -u +%FT%TZ), dry=$dry, budget ${budget_s}s, python $python, data $ILF_DATA_DIR"

# Debian packages staged by gpu_prepare.sh, unpacked into the build folder (never into /): CMake
# finds them through CMAKE_PREFIX_PATH and pkg-config through PKG_CONFIG_PATH with the .pc files'
# /usr rewritten; the binaries find the shared libraries through their build RPATH.
setup_deps() {
  local deps=$build/deps-root lib
  mkdir -p "$deps" "$build/bin"
  for deb in "$root"/third_party/gpu/debs/*.deb; do
    if command -v dpkg-deb > /dev/null; then
      dpkg-deb -x "$deb" "$deps" || return 1
    else  # a .deb is an ar archive holding data.tar.*
      (cd "$build" && rm -f data.tar.* && ar x "$deb" && tar -xf data.tar.* -C "$deps" &&
        rm -f data.tar.* control.tar.* debian-binary) || return 1
    fi
  done
  lib=$deps/usr/lib/x86_64-linux-gnu
  sed -i -e "s|=/usr|=$deps/usr|g" -e "s|-I/usr|-I$deps/usr|g" -e "s|-L/usr|-L$deps/usr|g" \
    "$lib"/pkgconfig/*.pc "$deps"/usr/share/pkgconfig/*.pc 2> /dev/null
  export PKG_CONFIG_PATH=$lib/pkgconfig:$deps/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  if ! command -v pkg-config > /dev/null; then
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$lib" "$deps/usr/bin/pkgconf" \
      > "$build/bin/pkg-config"
    chmod +x "$build/bin/pkg-config"
    export PATH=$build/bin:$PATH
  fi
  echo "deps: packages unpacked into $deps"
}

configure() {
  local prefix generator=("Unix Makefiles")
  command -v ninja > /dev/null && generator=(Ninja)
  prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  [[ -d $build/deps-root/usr ]] && prefix="$build/deps-root/usr;$prefix"
  local cuda=()
  [[ $dry != 1 && -d /usr/local/cuda ]] && cuda=(-DCUDAToolkit_ROOT=/usr/local/cuda)
  # pkg-config from PATH (the wrapper setup_deps made, if any), not the unpacked one that
  # CMAKE_PREFIX_PATH would find: that one needs LD_LIBRARY_PATH.
  cmake -S "$root" -B "$build" -G "${generator[@]}" -DILF_WITH_TORCH=ON \
    -DCMAKE_PREFIX_PATH="$prefix" -DPKG_CONFIG_EXECUTABLE="$(command -v pkg-config)" "${cuda[@]}"
}

build_targets() {
  local keep_going=(-k)
  [[ -f $build/build.ninja ]] && keep_going=(-k 0)
  cmake --build "$build" -j "$jobs" --target "$@" -- "${keep_going[@]}"
}

# The lm test binaries (tests/lm) and any test labelled gpu anywhere.
test_targets=$( (
  grep -ho 'ilf_test([a-z0-9_]*' "$root"/tests/lm/CMakeLists.txt
  grep -l 'LABELS[^)]*gpu' "$root"/tests/*/CMakeLists.txt 2> /dev/null |
    xargs -r grep -ho 'ilf_test([a-z0-9_]*'
) | cut -d'(' -f2 | sort -u | tr '\n' ' ')

# `timeout` runs programs, not shell functions: the steps run them through `bash -c`.
export -f setup_deps configure build_targets
export root build dry jobs python
if compgen -G "$root/third_party/gpu/debs/*.deb" > /dev/null; then
  step deps 60 "$OUT/build.log" bash -c setup_deps
  # Its exports were in a child shell; repeat them here (cheap, no unpacking).
  lib=$build/deps-root/usr/lib/x86_64-linux-gnu
  export PKG_CONFIG_PATH=$lib/pkgconfig:$build/deps-root/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  [[ -x $build/bin/pkg-config ]] && export PATH=$build/bin:$PATH
else
  note "deps: none staged (scripts/gpu_prepare.sh); using the system's packages"
fi
step configure 120 "$OUT/build.log" bash -c configure
step build-ilf 240 "$OUT/build.log" bash -c 'build_targets ilf'
ilf=$build/runner/ilf

if [[ $dry == 1 ]]; then
  gen_args=(--config "$qwen" --batch 2 --new-tokens 4 --prompt-tokens 8 --dtype bfloat16)
  train_args=(--config "$tiny" --batch 2 --seq 32 --steps 2)
  train_dtype=float32  # ilf's bench trains in float32 on the CPU
else
  gen_args=(--config "$qwen" --batch 32 --new-tokens 128 --dtype bfloat16)
  train_args=(--config "$qwen" --batch 8 --seq 512 --steps 3)
  train_dtype=bfloat16
fi
if [[ -x $ilf ]]; then
  step bench-generate 150 "$OUT/bench.log" bash -c '"$@" > "'"$OUT"'/bench_generate.json"' _ \
    "$ilf" bench generate "${gen_args[@]}" --device $device --baseline "$python" --json
  step bench-train 150 "$OUT/bench.log" bash -c '"$@" > "'"$OUT"'/bench_train.json"' _ \
    "$ilf" bench train "${train_args[@]}" --device $device --baseline "$python" --json
fi

# Baselines straight from the script: the eager PyTorch model next to transformers' (and, when ilf
# did not build, transformers' own numbers, so the session still learns them).
baseline=$root/scripts/bench/torch_baseline.py
impls=(eager)
[[ -x $ilf ]] || impls=(auto eager)
for impl in "${impls[@]}"; do
  step "baseline-gen-$impl" 90 "$OUT/bench.log" bash -c '"$@" >> "'"$OUT"'/baselines.jsonl"' _ \
    "$python" "$baseline" generate "${gen_args[@]}" --device $device --implementation $impl
  step "baseline-train-$impl" 90 "$OUT/bench.log" bash -c '"$@" >> "'"$OUT"'/baselines.jsonl"' _ \
    "$python" "$baseline" train "${train_args[@]}" --device $device --dtype $train_dtype \
    --implementation $impl
done

step build-tests 180 "$OUT/build.log" bash -c "build_targets $test_targets"
(
  cd "$build" || exit 1
  step ctest-gpu 60 "$OUT/tests.log" ctest -L gpu --timeout 60 --output-on-failure
  step ctest-torch 150 "$OUT/tests.log" ctest -L torch -R "$tests" -j 4 --timeout 120 \
    --output-on-failure
)

# The verdicts, read from the JSON files.
"$python" - "$OUT" << 'EOF' 2>&1 | tee -a "$summary"
import json, os, sys
out = sys.argv[1]
for name, key, goal in (("bench_generate.json", "decode_tokens_per_s", 3.0),
                        ("bench_train.json", "tokens_per_s", 1.0)):
    try:
        with open(os.path.join(out, name)) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{name}: no result ({e})")
        continue
    b = r.get("baseline") or {}
    speedup = r.get("speedup_vs_baseline")
    verdict = "n/a" if speedup is None else ("MEETS" if speedup >= goal else "MISSES")
    print(f"{name}: ilf {r.get(key, 0):.1f} {key} on {r.get('device')} "
          f"({r.get('dtype', r.get('compute_dtype'))}); baseline {b.get('implementation', '-')} "
          f"{b.get(key, 0):.1f}; speedup {speedup if speedup is None else round(speedup, 3)} "
          f"-> {verdict} the goal of {goal}x")
EOF
note "gpu_check: done in $(($(date +%s) - start_s))s; outputs in $OUT"
exit 0
