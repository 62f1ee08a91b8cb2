#!/usr/bin/env bash
# Builds the kube-control-plane test binary (see README.md) and prints its
# absolute path as the last line of stdout. The binary is cached under
# <repo>/.cache/kube-control-plane/, keyed by a hash of go.mod, go.sum and the
# top-level *.go files; a cached binary is reused without building.
# Progress messages go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache_dir="$repo/.cache/kube-control-plane"

cd "$here"
hash="$(
  for f in go.mod go.sum $(ls -1 *.go | grep -v '_test\.go$' | LC_ALL=C sort); do
    printf '== %s\n' "$f"
    cat "$f"
  done | sha256sum | cut -c1-16
)"
bin="$cache_dir/kube-control-plane-$hash"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: the Go toolchain (go1.26 or newer) is required" >&2
  exit 1
fi

mkdir -p "$cache_dir"
# Serialize concurrent builds (e.g. parallel test workers).
exec 9>"$cache_dir/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

echo "build.sh: building $bin ($(go version)); a cold build takes several minutes..." >&2
start=$SECONDS
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 \
  go build -trimpath -ldflags="-s -w" -o "$tmp" . >&2
mv -f "$tmp" "$bin"
trap - EXIT
# Drop binaries built from older sources.
find "$cache_dir" -maxdepth 1 -name 'kube-control-plane-*' ! -name "kube-control-plane-$hash" -type f -delete 2>/dev/null || true
echo "build.sh: built in $((SECONDS - start))s ($(du -h "$bin" | cut -f1))" >&2
echo "$bin"
