#!/usr/bin/env bash
# scripts/download_data.sh against a local mirror: every file lands with the right layout and checksum,
# a second run fetches nothing, a corrupt mirror file is refused and not kept.
set -euo pipefail
src=${ILF_SOURCE_DIR:?}
data=${ILF_DATA_DIR:-$src/../shared/data}
if [ ! -f "$data/mbpp/mbpp.jsonl" ]; then echo "reference data not found under $data; skipping"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ILF_DATA_MIRROR=$data "$src/scripts/download_data.sh" "$tmp/out" >"$tmp/log1"
test "$(grep -c '^fetched' "$tmp/log1")" = 8
cmp "$tmp/out/mbpp/mbpp.jsonl" "$data/mbpp/mbpp.jsonl"
ILF_DATA_MIRROR=$data "$src/scripts/download_data.sh" "$tmp/out" >"$tmp/log2"
test "$(grep -c '^ok' "$tmp/log2")" = 8
mkdir -p "$tmp/bad/mbpp"; echo '{"task_id": 1}' >"$tmp/bad/mbpp/mbpp.jsonl"
if ILF_DATA_MIRROR=$tmp/bad "$src/scripts/download_data.sh" "$tmp/out2" >"$tmp/log3" 2>&1; then
  echo "expected failure for a corrupt mirror"; exit 1
fi
grep -q "checksum mismatch for mbpp/mbpp.jsonl" "$tmp/log3"
test ! -e "$tmp/out2/mbpp/mbpp.jsonl" && test ! -e "$tmp/out2/mbpp/mbpp.jsonl.part"
echo "1 passed, 0 failed"
