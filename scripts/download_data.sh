#!/usr/bin/env bash
# Downloads the public originals of the reference data into a data directory with the layout ilf reads
# (ILF_DATA_DIR): MBPP, sanitized MBPP, HumanEval, EvalPlus (MBPP+, HumanEval+) and the ILF paper's human
# feedback annotations. Every file is pinned to an upstream commit or release and checked by sha256;
# a file that fails its check is not kept.
#
#   scripts/download_data.sh [DIR]          DIR defaults to $ILF_DATA_DIR, else ./data
#   ILF_DATA_MIRROR=DIR scripts/download_data.sh OUT
#                                           copy from a local mirror with the same layout instead of
#                                           the network (used by the tests, and for offline machines)
# Then: export ILF_DATA_DIR=DIR
set -euo pipefail
out=${1:-${ILF_DATA_DIR:-data}}
mirror=${ILF_DATA_MIRROR:-}

# destination | sha256 | upstream URL
files=(
"mbpp/mbpp.jsonl|ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f|https://raw.githubusercontent.com/google-research/google-research/30adf0ec5f35f9609c2f1d896005e184195d9146/mbpp/mbpp.jsonl"
"mbpp/sanitized-mbpp.json|ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9|https://raw.githubusercontent.com/google-research/google-research/30adf0ec5f35f9609c2f1d896005e184195d9146/mbpp/sanitized-mbpp.json"
"humaneval/HumanEval.jsonl.gz|b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef|https://raw.githubusercontent.com/openai/human-eval/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz"
"evalplus/HumanEvalPlus.jsonl.gz|272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101|https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz"
"evalplus/HumanEvalPlus-OriginFmt.jsonl.gz|daa7661c8189924068069b0872a440b491edb60f8bdf431d5957adc88d18bae5|https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus-OriginFmt.jsonl.gz"
"evalplus/MbppPlus.jsonl.gz|af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63|https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz"
"evalplus/MbppPlus-OriginFmt.jsonl.gz|7a5aec547b134fa297ee6c45f829298aa3f58de02547b8d8a5c3d85d9cb10efc|https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus-OriginFmt.jsonl.gz"
"ilf-code/surge_annotations.jsonl|fedbfd3e2a0cfcb39497e93dae5ad996e734bbc51a9f6ecd1f49bc8cd595ecfc|https://raw.githubusercontent.com/nyu-mll/ILF-for-code-generation/1bbccca2934b26e2d8745e5afab65eb677cbe92a/surge_annotations.jsonl"
)

failed=0
for entry in "${files[@]}"; do
  IFS='|' read -r dest sha url <<<"$entry"
  target="$out/$dest"
  if [ -f "$target" ] && echo "$sha  $target" | sha256sum -c --quiet >/dev/null 2>&1; then
    echo "ok       $dest"
    continue
  fi
  mkdir -p "$(dirname "$target")"
  tmp="$target.part"
  if [ -n "$mirror" ]; then
    cp "$mirror/$dest" "$tmp" 2>/dev/null || { echo "missing  $dest (not in mirror $mirror)" >&2; failed=1; continue; }
  else
    curl -sSfL --retry 3 -o "$tmp" "$url" || { echo "failed   $dest ($url)" >&2; rm -f "$tmp"; failed=1; continue; }
  fi
  if echo "$sha  $tmp" | sha256sum -c --quiet >/dev/null 2>&1; then
    mv "$tmp" "$target"
    echo "fetched  $dest"
  else
    echo "checksum mismatch for $dest (from ${mirror:-$url}); not kept" >&2
    rm -f "$tmp"
    failed=1
  fi
done
if [ "$failed" = 0 ]; then
  echo "data ready in $out — export ILF_DATA_DIR=$(cd "$out" && pwd)"
else
  echo "some files could not be fetched (see above)" >&2
  exit 1
fi
