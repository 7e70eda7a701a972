#!/usr/bin/env bash
# Sets up everything ilf needs on Debian 12 and builds it. Idempotent: a second run only rebuilds.
#   scripts/setup.sh            build with LibTorch into build/ (the default)
#   ILF_BUILD_DIR=dir           build somewhere else
#   ILF_SETUP_SANITIZE=1        also build the non-torch tests with ASan/UBSan into build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

packages=(build-essential cmake ninja-build pkg-config ccache curl ca-certificates git
  python3 python3-minimal python3-dev python3-numpy python3-torch
  libtorch-dev libopenblas0-pthread
  libseccomp-dev libboost-dev libboost-filesystem-dev libtree-sitter-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libpcre2-dev libutf8proc-dev zlib1g-dev
  libgtest-dev
  libncurses-dev tmux chromium libcpp-httplib-dev libssl-dev libgloo-dev clang-14)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# tree-sitter Python grammar (ABI 14, which Debian's libtree-sitter 0.20.7 loads), from npm's registry.
grammar=third_party/tree-sitter-python
if [ ! -f "$grammar/src/parser.c" ]; then
  echo "setup: fetching tree-sitter-python@0.23.6"
  tmp=$(mktemp -d)
  curl -sSfL --retry 3 -o "$tmp/p.tgz" https://registry.npmjs.org/tree-sitter-python/-/tree-sitter-python-0.23.6.tgz
  echo "aab5b860d93dbf84b37fed532f7dacc0468ede5387d0c74911d68f964287662a  $tmp/p.tgz" | sha256sum -c --quiet
  mkdir -p "$grammar"
  tar -xzf "$tmp/p.tgz" -C "$grammar" --strip-components=1 package/src package/LICENSE
  rm -rf "$tmp"
fi

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ilf-ccache}
export CCACHE_BASEDIR=$root  # relative paths in the cache key: clones in other folders share hits
export CCACHE_NOHASHDIR=1     # -g builds would otherwise hash the build folder's absolute path
jobs=$(nproc)
build=${ILF_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DILF_WITH_TORCH=ON >/dev/null
cmake --build "$build" -j "$jobs"
if [ "${ILF_SETUP_SANITIZE:-0}" = 1 ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DILF_WITH_TORCH=OFF -DILF_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$jobs"
fi
echo "setup: built $root/$build/runner/ilf"
