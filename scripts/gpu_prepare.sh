#!/usr/bin/env bash
# Run on the CPU (Debian 12) machine before a GPU session's device run of scripts/gpu_check.sh.
#
# The GPU image has PyTorch, CUDA, CMake, ninja and a compiler but not the Debian development
# packages ilf builds against, and no network. This stages, under third_party/gpu/ (git-ignored
# through /third_party/; the device run carries it with carry: ["third_party"]):
#   debs/  the .deb files of those packages (from the apt cache, else `apt-get download`);
#          gpu_check.sh unpacks them with dpkg-deb -x into its build folder, never into /.
#   data/  the reference data the GPU checks read (the bench config, golden/ tiny models,
#          tokenizers), copied from $ILF_DATA_DIR (default ../shared/data): only staged for the
#          trip, never committed.
# It prints the size that will travel (the device tool takes at most 64 MiB in all).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
stage=$root/third_party/gpu
data_src=${ILF_DATA_DIR:-$root/../shared/data}

# Build dependencies of CMakeLists.txt (and their runtime libraries), Debian 12 names.
debs=(nlohmann-json3-dev libcli11-dev libfmt-dev libfmt9 libseccomp-dev libseccomp2
  libtree-sitter-dev libtree-sitter0 libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0
  libpcre2-posix3 libutf8proc-dev libutf8proc2 libboost1.74-dev libboost-filesystem1.74-dev
  libboost-filesystem1.74.0 libboost-system1.74-dev libboost-system1.74.0 libboost-atomic1.74.0
  zlib1g-dev zlib1g libgtest-dev pkgconf pkgconf-bin libpkgconf3
  libpython3-dev libpython3.11-dev libpython3.11)  # sandbox/ configures against python3-embed

mkdir -p "$stage/debs"
cd "$stage/debs"
for p in "${debs[@]}"; do
  if compgen -G "${p}_*.deb" > /dev/null; then continue; fi
  cached=$(compgen -G "/var/cache/apt/archives/${p}_*.deb" | head -n 1 || true)
  if [[ -n $cached ]]; then
    cp "$cached" .
  else
    apt-get download "$p"
  fi
done
cd "$root"

# Reference data the GPU checks read (see gpu_check.sh).
data=(tokenizers/qwen2.5-coder-0.5b-instruct tokenizers/gpt2 golden/qwen2-tiny golden/llama-tiny
  golden/gpt2-tiny)
for d in "${data[@]}"; do
  if [[ ! -d $data_src/$d ]]; then
    echo "gpu_prepare: $data_src/$d not found (set ILF_DATA_DIR)" >&2
    exit 2
  fi
  mkdir -p "$stage/data/$(dirname "$d")"
  rm -rf "${stage:?}/data/$d"
  cp -r "$data_src/$d" "$stage/data/$d"
  chmod -R u+w "$stage/data/$d"
done

if [[ ! -d third_party/tree-sitter-python ]]; then
  echo "gpu_prepare: third_party/tree-sitter-python is missing; run scripts/setup.sh first" >&2
  exit 2
fi
tracked=$(git ls-files -z | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | du -cb --files0-from=- 2>/dev/null |
  tail -n 1 | cut -f1)
carried=$(du -sb third_party | cut -f1)
total_mib=$(((tracked + ${untracked:-0} + carried) / 1048576))
echo "gpu_prepare: staged $(ls "$stage/debs" | wc -l) .debs and ${#data[@]} data folders in $stage"
echo "gpu_prepare: about ${total_mib} MiB will travel (limit 64 MiB): tracked, untracked, third_party"
echo "gpu_prepare: device run: carry [\"third_party\"], command \"bash scripts/gpu_check.sh\", timeout_s 600"
