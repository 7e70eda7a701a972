#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (one per parser of outside input).
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     default: all, 10 seconds each
#   scripts/fuzz.sh --list                     the target names
# Builds build-fuzz/ with clang-14 (-fsanitize=fuzzer,address,undefined, no LibTorch), replays
# each target's committed regression inputs (tests/fuzz/regressions/TARGET) and seed corpus, then
# fuzzes one target at a time, single job, from a working copy of its seeds
# (build-fuzz/corpus/TARGET; new coverage accumulates there between runs). A crash, leak, sanitizer
# report, timeout (ILF_FUZZ_TIMEOUT seconds per input, 10 by default; raise it on a busy machine,
# where a starved process can spend longer than that on an input it runs in milliseconds alone) or
# memory blow-up (2 GiB) is saved to build-fuzz/findings/TARGET/ and makes the exit status 1.
# Exit 0: nothing found.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
targets=(json jsonl samples manifest safetensors shard_index model_config tokenizer_json
  tokenizer_vocab sandbox_frames evaluator_records feedback run_manifest report round_config openai_response
  openai_request)
if [ "${1:-}" = --list ]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi
which=${1:-all}
seconds=${2:-10}
timeout=${ILF_FUZZ_TIMEOUT:-10}
if [ "$which" != all ]; then
  if ! printf '%s\n' "${targets[@]}" | grep -qx "$which"; then
    echo "fuzz: unknown target '$which' (known: ${targets[*]})" >&2
    exit 2
  fi
  targets=("$which")
fi

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ilf-ccache} CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
build=${ILF_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DILF_WITH_TORCH=OFF -DILF_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j "${ILF_FUZZ_JOBS:-2}" --target $(printf '%s_fuzz ' "${targets[@]}")

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/${t}_fuzz
  seeds=tests/fuzz/corpus/$t
  corpus=$build/corpus/$t
  findings=$build/findings/$t
  mkdir -p "$corpus" "$findings"
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  # Every committed regression and seed input once: each must run clean.
  replay=()
  for dir in "tests/fuzz/regressions/$t" "$seeds"; do
    [ -d "$dir" ] && replay+=("$dir"/*)
  done
  if ((${#replay[@]})) && ! "$bin" -rss_limit_mb=2048 -timeout="$timeout" "${replay[@]}" >"$findings/replay.log" 2>&1; then
    echo "fuzz: $t: a committed input fails; see $findings/replay.log" >&2
    tail -30 "$findings/replay.log" >&2
    status=1
    continue
  fi
  cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  log=$findings/fuzz.log
  if "$bin" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" \
       >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz: $t: ${seconds}s, $runs inputs, nothing found"
  else
    echo "fuzz: $t: FOUND something; input in $findings/, log $log" >&2
    grep -m5 -E 'ERROR|SUMMARY|runtime error|deadly|uncaught' "$log" >&2 || tail -20 "$log" >&2
    status=1
  fi
done
exit $status
