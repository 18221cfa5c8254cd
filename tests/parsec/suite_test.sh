#!/usr/bin/env bash
# One bench/parsec program at the `test` input, natively and under greenshim:
# every run must succeed and print the same checksum (the programs are
# designed to give one checksum for any thread count, canneal included), and
# `valid yes` where the program prints a validity line. Native runs use 1 and
# 3 threads; preloaded runs 3 and 32 (16x a 2-CPU machine: oversubscribed).
# A preloaded run must show the GREENSHIM_STATS table on stderr, so the test
# cannot pass by running natively.
#
#   suite_test.sh <libgreenshim.so> <program>
#
# Each run is killed after 60 s (the test input runs well under a second).
set -uo pipefail

shim="$1"
program="$2"
name="$(basename "$program")"
scratch="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() {
  echo "FAIL $name: $*" >&2
  failures=$((failures + 1))
}

# run MODE THREADS: sets $checksum to the run's checksum line, or to
# nothing if the run failed (after reporting why).
run() {
  checksum=""
  local mode="$1" threads="$2" base="$scratch/$1-$2" preload=()
  [ "$mode" = greenshim ] && preload=(LD_PRELOAD="$shim" GREENSHIM_STATS=1)
  timeout -k 5 60 env -u LD_PRELOAD "${preload[@]}" "$program" -i test -n "$threads" \
    >"$base.out" 2>"$base.err" </dev/null
  local rc=$?
  if [ $rc -ne 0 ]; then
    [ $rc -eq 124 ] && fail "$mode -n $threads: timed out (hang?)" ||
      fail "$mode -n $threads: exit status $rc; stderr: $(tail -3 "$base.err")"
    return
  fi
  if [ "$mode" = greenshim ] && ! grep -q '^greenshim: total ' "$base.err"; then
    fail "$mode -n $threads: no GREENSHIM_STATS table on stderr (not preloaded?)"
  fi
  if grep -q '^valid ' "$base.out" && ! grep -qx 'valid yes' "$base.out"; then
    fail "$mode -n $threads: $(grep '^valid ' "$base.out")"
  fi
  checksum="$(grep '^checksum [0-9a-f]\{16\}$' "$base.out")" ||
    fail "$mode -n $threads: no checksum line"
}

run native 1
reference="$checksum"
[ -n "$reference" ] || exit 1
for config in "native 3" "greenshim 3" "greenshim 32"; do
  run $config
  if [ -n "$checksum" ] && [ "$checksum" != "$reference" ]; then
    fail "$config threads: $checksum, native with 1 thread gave $reference"
  fi
done
if [ $failures -gt 0 ]; then exit 1; fi
echo "PASS $name: $reference in all runs"
