#!/usr/bin/env bash
# compare.sh: run every bench/pthread program natively and under greenshim
# and print one table of medians with greenshim's speed-up; then the
# PARSEC-style suite (bench/parsec, via scripts/parsec) at input simsmall
# with threads = CPUs and 16 x CPUs, as a second table and a PNG plot.
#
#   scripts/compare.sh [-r N] [-w N] [-p NAME]... [-t SECS] [--quick]
#                      [--suite-reps N]
#
# -r N      repetitions per program and mode (default 5); runs alternate
#           native / greenshim so drift affects both alike
# -w N      GREENSHIM_WORKERS for the preloaded runs (default: one per CPU)
# -p NAME   only this program (repeatable, or comma-separated)
# -t SECS   per-run timeout (default 120); a run that crashes, fails or times
#           out is reported, never aborts the script
# --quick   3 repetitions with smaller iteration counts
# --suite-reps N  repetitions per suite case and mode (default 1, which
#           keeps the whole script under 10 minutes on 2 CPUs; 0 skips the
#           suite); each adds about 2 minutes on 2 idle CPUs
#
# Installs missing packages (scripts/deps.sh) and builds what it needs, so it
# works on a fresh clone. The table also goes to results/compare-<time>.csv;
# the suite's to results/compare-<time>-parsec.csv and .png.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "compare.sh: $*" >&2; exit 1; }

reps=5
reps_given=0
workers="${GREENSHIM_WORKERS:-}"  # -w overrides an inherited setting
selected=()
run_timeout=120
quick=0
suite_reps=""
while [ $# -gt 0 ]; do
  case "$1" in
    -r) [ $# -ge 2 ] || usage; reps="$2"; reps_given=1; shift 2 ;;
    -w) [ $# -ge 2 ] || usage; workers="$2"; shift 2 ;;
    -p) [ $# -ge 2 ] || usage; IFS=, read -ra names <<<"$2"; selected+=("${names[@]}"); shift 2 ;;
    -t) [ $# -ge 2 ] || usage; run_timeout="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --suite-reps) [ $# -ge 2 ] || usage; suite_reps="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "-r needs a positive number, got '$reps'"
[[ -z "$workers" || "$workers" =~ ^[1-9][0-9]*$ ]] || die "-w needs a positive number, got '$workers'"
[[ "$run_timeout" =~ ^[1-9][0-9]*$ ]] || die "-t needs a positive number of seconds, got '$run_timeout'"
if [ "$quick" = 1 ] && [ "$reps_given" = 0 ]; then reps=3; fi
if [ -z "$suite_reps" ]; then suite_reps=1; fi
[[ "$suite_reps" =~ ^[0-9]+$ ]] || die "--suite-reps needs a number, got '$suite_reps'"

# Smaller arguments for --quick (program name -> its arguments). Programs not
# listed run with their defaults.
declare -A QUICK_ARGS=(
  [create_join]=2000
  [yield_pingpong]=100000
  [condvar_pingpong]=10000
  [mutex_contended]=2000000
  [mutex_uncontended]=10000000
  [mutex_threads]=1000000
  [pipeline]=50000
  [many_threads]=20000
  [echo_server]="500 100 1000"
  [sleep_storm]="10000 20"
  [pipe_read_ready]=2000
  [idle_cpu]="2 4"
)

cd "$GREENSHIM_ROOT" || die "cannot cd to $GREENSHIM_ROOT"

# ---- Dependencies and build -------------------------------------------------
scripts/deps.sh || die "scripts/deps.sh failed"

build_log=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$build_log"' EXIT
# The benchmark runs in the background (see run_one), so ^C lands here: stop
# it and leave.
current_pid=""
on_interrupt() {
  [ -n "$current_pid" ] && kill -TERM "$current_pid" 2>/dev/null
  echo >&2
  echo "compare.sh: interrupted" >&2
  exit 130
}
trap on_interrupt INT TERM

echo "compare.sh: building //shim:libgreenshim.so //bench/pthread/..." >&2
if ! bazel build --noshow_progress //shim:libgreenshim.so //bench/pthread/... >"$build_log" 2>&1; then
  cat "$build_log" >&2
  die "build failed"
fi
# Other benchmark packages (e.g. bench/micro) are built to catch breakage but
# not compared here.
if find bench \( -name BUILD -o -name BUILD.bazel \) 2>/dev/null | grep -qv '^bench/pthread/'; then
  if ! bazel build --noshow_progress //bench/... >"$build_log" 2>&1; then
    tail -20 "$build_log" >&2
    echo "compare.sh: warning: bazel build //bench/... failed (bench/pthread built fine; continuing)" >&2
  fi
fi
[ -f "$GREENSHIM_LIBRARY" ] || die "$GREENSHIM_LIBRARY missing after the build"
bindir="$GREENSHIM_ROOT/bazel-out/k8-fastbuild/bin/bench/pthread"

# ---- Programs -----------------------------------------------------------------
mapfile -t programs < <(bazel query --noshow_progress 'kind(cc_binary, //bench/pthread/...)' \
  --output=label 2>/dev/null | sed 's#.*:##' | sort)
[ ${#programs[@]} -gt 0 ] || die "bazel query found no cc_binary in //bench/pthread"
if [ ${#selected[@]} -gt 0 ]; then
  for name in "${selected[@]}"; do
    printf '%s\n' "${programs[@]}" | grep -qx -- "$name" ||
      die "no program '$name' in bench/pthread (have: ${programs[*]})"
  done
  programs=("${selected[@]}")
fi

# ---- Header -------------------------------------------------------------------
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null || echo "glibc unknown")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain 2>/dev/null)" ]; then
  commit="$commit (uncommitted changes)"
fi
echo "greenshim compare  $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "machine: nproc $(nproc), kernel $(uname -r), $glibc${cpu:+, $cpu}, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "greenshim: $commit, workers ${workers:-default (one per CPU)}"
echo "runs: $reps per mode, alternating, timeout ${run_timeout}s$([ "$quick" = 1 ] && echo ', --quick args'); values are medians"
echo "ratio = greenshim's advantage, >1 = greenshim better: native/greenshim for times and kB,"
echo "        greenshim/native for counts (threads)"
echo

# ---- Running --------------------------------------------------------------------
# run_one PROGRAM MODE REP: one run; leaves .out, .err and .status
# ("ok" or why it failed) in $tmp.
run_one() {
  local prog="$1" mode="$2" rep="$3"
  local base="$tmp/$prog.$mode.$rep" args=()
  if [ "$quick" = 1 ] && [ -n "${QUICK_ARGS[$prog]:-}" ]; then read -ra args <<<"${QUICK_ARGS[$prog]}"; fi
  local envs=(-u LD_PRELOAD)
  if [ "$mode" = greenshim ]; then
    envs=(LD_PRELOAD="$GREENSHIM_LIBRARY")
    [ -n "$workers" ] && envs+=(GREENSHIM_WORKERS="$workers")
  fi
  # Preload only the benchmark, not timeout(1); background + wait so ^C works.
  timeout -k 5 "$run_timeout" env "${envs[@]}" "$bindir/$prog" "${args[@]}" \
    >"$base.out" 2>"$base.err" </dev/null &
  current_pid=$!
  local started=$SECONDS
  wait "$current_pid"
  local rc=$?
  current_pid=""
  local status=ok
  if [ $rc -eq 124 ] || { [ $rc -eq 137 ] && ((SECONDS - started >= run_timeout)); }; then
    status="timeout after ${run_timeout}s"
  elif [ $rc -gt 128 ]; then
    status="killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
  elif [ $rc -ne 0 ]; then
    status="exit $rc"
  elif ! grep -q '^metric ' "$base.out"; then
    status="no metric lines"
  fi
  if [ "$status" != ok ]; then
    local last
    last=$(grep -v '^[[:space:]]*$' "$base.err" | tail -1 | cut -c1-100)
    [ -n "$last" ] && status="$status: $last"
  fi
  echo "$status" >"$base.status"
}

for prog in "${programs[@]}"; do
  [ -x "$bindir/$prog" ] || die "$bindir/$prog is not built"
  printf 'compare.sh: %-18s' "$prog" >&2
  for ((rep = 1; rep <= reps; rep++)); do
    # Alternate which mode goes first, so neither always runs on a warm cache.
    if ((rep % 2)); then order=(native greenshim); else order=(greenshim native); fi
    for mode in "${order[@]}"; do
      run_one "$prog" "$mode" "$rep"
      if [ "$(cat "$tmp/$prog.$mode.$rep.status")" = ok ]; then
        printf '%s' "${mode:0:1}" >&2
      else
        printf '%s' "${mode:0:1}!" >&2
      fi
    done
    printf ' ' >&2
  done
  echo >&2
done
echo >&2

# ---- Medians and table --------------------------------------------------------------
# median MODE PROGRAM METRIC UNIT: median over the runs that succeeded, or
# "failed" when none reported the metric.
median() {
  local mode="$1" prog="$2" name="$3" unit="$4" rep values=()
  for ((rep = 1; rep <= reps; rep++)); do
    [ "$(cat "$tmp/$prog.$mode.$rep.status")" = ok ] || continue
    values+=($(awk -v n="$name" -v u="$unit" '$1 == "metric" && $2 == n && $4 == u { print $3 }' \
      "$tmp/$prog.$mode.$rep.out"))
  done
  if [ ${#values[@]} -eq 0 ]; then echo failed; return; fi
  # Odd count: the middle value exactly as printed; even: mean of the two.
  printf '%s\n' "${values[@]}" | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR % 2) { print v[(NR + 1) / 2]; exit }
      a = v[NR / 2]; b = v[NR / 2 + 1]; m = (a + b) / 2
      if (a b !~ /[.eE]/ && m == int(m)) printf "%d\n", m; else printf "%.1f\n", m
    }'
}

ratio() {  # native greenshim unit
  awk -v n="$1" -v g="$2" -v u="$3" 'BEGIN {
    if (n !~ /^[0-9.eE+-]+$/ || g !~ /^[0-9.eE+-]+$/ || n + 0 == 0 || g + 0 == 0) { print "-"; exit }
    higher_is_better = (u == "threads" || u ~ /\/s$/)
    printf "%.2f\n", higher_is_better ? g / n : n / g
  }'
}

rows="$tmp/rows.tsv"
notes=()
printf 'program\tmetric\tunit\tnative\tgreenshim\tratio\n' >"$rows"
for prog in "${programs[@]}"; do
  # Metrics in order of first appearance, from whichever runs produced them.
  mapfile -t metrics < <(cat "$tmp/$prog".*.out 2>/dev/null |
    awk '$1 == "metric" && NF == 4 && !seen[$2 " " $4]++ { print $2 "\t" $4 }')
  if [ ${#metrics[@]} -eq 0 ]; then
    printf '%s\t-\t-\tfailed\tfailed\t-\n' "$prog" >>"$rows"
  fi
  for entry in "${metrics[@]}"; do
    name="${entry%%$'\t'*}" unit="${entry#*$'\t'}"
    n=$(median native "$prog" "$name" "$unit")
    g=$(median greenshim "$prog" "$name" "$unit")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$prog" "$name" "$unit" "$n" "$g" "$(ratio "$n" "$g" "$unit")" >>"$rows"
  done
  for mode in native greenshim; do
    failed=0 why=""
    for ((rep = 1; rep <= reps; rep++)); do
      status=$(cat "$tmp/$prog.$mode.$rep.status")
      if [ "$status" != ok ]; then failed=$((failed + 1)); why="$status"; fi
    done
    [ $failed -gt 0 ] && notes+=("$prog $mode: $failed/$reps runs failed (last: $why)")
  done
done

# Left-align text columns, right-align the numbers.
awk -F'\t' '
  { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
  END {
    for (r = 1; r <= NR; r++) {
      line = ""
      for (i = 1; i <= 6; i++) {
        fmt = (i <= 3) ? "%-" w[i] "s" : "%" w[i] "s"
        line = line (i > 1 ? "  " : "") sprintf(fmt, cell[r, i])
      }
      print line
      if (r == 1) { gsub(/./, "-", line); print line }
    }
  }' "$rows"
if [ ${#notes[@]} -gt 0 ]; then
  echo
  printf 'note: %s\n' "${notes[@]}"
fi

mkdir -p results
stamp=$(date +%Y%m%d-%H%M%S)
csv="results/compare-$stamp.csv"
{
  echo "program,metric,unit,native_median,greenshim_median,ratio"
  tail -n +2 "$rows" | tr '\t' ','
} >"$csv"
echo
echo "csv: $csv"

# ---- PARSEC-style suite --------------------------------------------------------------
# scripts/parsec prints its own table (min / median / max per case, checksum
# check, peak RSS), builds what it needs and draws the plot.
if [ "$suite_reps" -gt 0 ]; then
  cpus=$(nproc)
  echo
  scripts/parsec -a run -p all -i simsmall -n "$cpus" $((16 * cpus)) -c both -r "$suite_reps" \
    ${workers:+-w "$workers"} --csv "results/compare-$stamp-parsec.csv" \
    --plot "results/compare-$stamp-parsec.png"
fi
