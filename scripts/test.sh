#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: the LibTorch build's tests, then the non-torch
# tests again under AddressSanitizer and UndefinedBehaviorSanitizer, then a short smoke run of
# every libFuzzer target (build-fuzz/, clang-14; scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ILF_SETUP_SANITIZE=1 scripts/setup.sh
jobs=$(nproc)
echo "test: LibTorch build"
ctest --test-dir build --output-on-failure -j "$jobs"
echo "test: sanitizer build (ASan + UBSan, tests that need no LibTorch)"
UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow
echo "test: fuzz smoke (each libFuzzer target replays its committed inputs, then fuzzes 10 s)"
scripts/fuzz.sh all 10
