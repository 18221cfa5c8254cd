#!/usr/bin/env bash
# Installs the Debian packages greenshim needs to build and test offline
# (Bazel 4.2.3 from bazel-bootstrap, system libraries wrapped in
# third_party/BUILD, and tools used by tests/benchmarks). Idempotent and quiet:
# does nothing unless a package is missing. Safe with CI=true and no stdin.
set -euo pipefail

# Keep this list in one place; add packages here.
PACKAGES=(
  bazel-bootstrap
  bazel-platforms
  bazel-rules-java
  liburing-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  g++
  pbzip2
  stress-ng
  memcached
  gdb
  python3
  systemtap-sdt-dev
  linux-perf
  gnuplot-nox
  time
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != ii* ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
  echo "deps.sh: install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
