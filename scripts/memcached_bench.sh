#!/usr/bin/env bash
# memcached_bench.sh: Debian's memcached (worker threads on libevent and
# epoll_wait) natively and under greenshim, driven by our load generator
# bench/tools/memcached_load, which checks every response and is never
# preloaded. Prints medians of throughput and memory for both modes.
#
#   scripts/memcached_bench.sh [-r N] [-c CONNECTIONS] [-s SECONDS] [-t THREADS] [-w WORKERS]
#
# -r N   runs per mode (default 3), alternating native / greenshim
# -c N   client connections (default 64)
# -s N   seconds of load per run (default 5)
# -t N   memcached worker threads, its -t (default 4)
# -w N   GREENSHIM_WORKERS for the preloaded runs (default: one per CPU)
#
# Memory, sampled halfway through the load: memcached's VmRSS and Threads
# (/proc/PID/status), and the rise of KernelStack + PageTables + Slab in
# /proc/meminfo over a baseline taken before memcached starts (system-wide,
# so noisy; the client's sockets count in Slab in both modes). VmHWM is
# read at the end of the run.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "memcached_bench.sh: $*" >&2; exit 1; }

reps=3 connections=64 seconds=5 threads=4 workers=""
while [ $# -gt 0 ]; do
  case "$1" in
    -r) [ $# -ge 2 ] || usage; reps="$2"; shift 2 ;;
    -c) [ $# -ge 2 ] || usage; connections="$2"; shift 2 ;;
    -s) [ $# -ge 2 ] || usage; seconds="$2"; shift 2 ;;
    -t) [ $# -ge 2 ] || usage; threads="$2"; shift 2 ;;
    -w) [ $# -ge 2 ] || usage; workers="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "memcached_bench.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
for value in "$reps" "$connections" "$seconds" "$threads" ${workers:+"$workers"}; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || die "options take positive numbers, got '$value'"
done

cd "$GREENSHIM_ROOT" || die "cannot cd to $GREENSHIM_ROOT"
scripts/deps.sh || die "scripts/deps.sh failed"
memcached=$(command -v memcached) || die "memcached is not installed (scripts/deps.sh installs it)"
echo "memcached_bench.sh: building //shim:libgreenshim.so //bench/tools:memcached_load" >&2
bazel build --noshow_progress //shim:libgreenshim.so //bench/tools:memcached_load >/dev/null 2>&1 ||
  die "build failed; run: bazel build //shim:libgreenshim.so //bench/tools:memcached_load"
loader="$GREENSHIM_ROOT/bazel-out/k8-fastbuild/bin/bench/tools/memcached_load"

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo >&2; echo "memcached_bench.sh: interrupted" >&2; exit 130' INT TERM

# A /proc file's "Name: value kB" field.
proc_kb() { awk -v f="$2:" '$1 == f { print $2; exit }' "$1"; }
kernel_kb() {
  awk '$1 == "KernelStack:" || $1 == "PageTables:" || $1 == "Slab:" { s += $2 } END { print s }' \
    /proc/meminfo
}

# start_server MODE: starts memcached on a free port; sets server_pid, port.
start_server() {
  local mode="$1" attempt envs=(-u LD_PRELOAD)
  if [ "$mode" = greenshim ]; then
    envs=(LD_PRELOAD="$GREENSHIM_LIBRARY")
    [ -n "$workers" ] && envs+=(GREENSHIM_WORKERS="$workers")
  fi
  local user_flag=()
  [ "$(id -u)" = 0 ] && user_flag=(-u root)  # memcached refuses root without it
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 20000))
    env "${envs[@]}" "$memcached" "${user_flag[@]}" -l 127.0.0.1 -p "$port" -U 0 -t "$threads" \
      -c $((connections + 100)) -m 256 >"$tmp/server.log" 2>&1 &
    server_pid=$!
    local waited
    for waited in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break  # died: probably the port was taken
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  done
  server_pid=""
  cat "$tmp/server.log" >&2
  die "memcached did not start ($mode)"
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=""
}

# run_one MODE REP: one run; appends "mode ops rss hwm kernel_rise threads"
# to $tmp/results, or a failure note to $tmp/notes.
run_one() {
  local mode="$1" rep="$2" baseline
  baseline=$(kernel_kb)
  start_server "$mode"
  if [ "$mode" = greenshim ] && ! grep -q libgreenshim "/proc/$server_pid/maps"; then
    stop_server
    die "memcached is not running under greenshim (no libgreenshim.so in its maps)"
  fi
  timeout $((seconds + 60)) "$loader" "$port" "$connections" "$seconds" \
    >"$tmp/load.out" 2>"$tmp/load.err" &
  local loader_pid=$!
  # Halfway through the timed load (the fill before it takes a moment).
  sleep "$(awk -v s="$seconds" 'BEGIN { print s / 2 + 0.5 }')"
  local status="/proc/$server_pid/status" rss threads rise hwm
  rss=$(proc_kb "$status" VmRSS)
  threads=$(awk '$1 == "Threads:" { print $2 }' "$status")
  rise=$(($(kernel_kb) - baseline))
  wait "$loader_pid"
  local rc=$?
  hwm=$(proc_kb "$status" VmHWM)
  stop_server
  local ops
  ops=$(awk '$1 == "metric" && $2 == "memcached_ops" { print $3 }' "$tmp/load.out")
  if [ $rc -ne 0 ] || [ -z "$ops" ]; then
    echo "$mode run $rep: load generator failed (exit $rc): $(tail -1 "$tmp/load.err")" >>"$tmp/notes"
    return
  fi
  echo "$mode $ops $rss $hwm $rise $threads" >>"$tmp/results"
}

echo "memcached_bench  $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "machine: nproc $(nproc), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "memcached $("$memcached" -V | awk '{ print $2 }') -t $threads; load: $connections connections," \
  "${seconds}s per run, 90% get / 10% set, 100-byte values, every response checked"
echo "greenshim workers: ${workers:-default (one per CPU)}; $reps runs per mode, alternating; medians"
echo
: >"$tmp/results"
for ((rep = 1; rep <= reps; rep++)); do
  if ((rep % 2)); then order=(native greenshim); else order=(greenshim native); fi
  for mode in "${order[@]}"; do
    printf 'memcached_bench.sh: run %d %s\n' "$rep" "$mode" >&2
    run_one "$mode" "$rep"
  done
done

# median COLUMN MODE
median() {
  awk -v c="$1" -v m="$2" '$1 == m { print $c }' "$tmp/results" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "failed"; else if (NR % 2) print v[(NR + 1) / 2];
                              else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

{
  printf 'metric\tunit\tnative\tgreenshim\n'
  column=2
  for name in "throughput ops/s" "VmRSS kB" "VmHWM kB" "kernel_rise kB" "threads count"; do
    read -r label unit <<<"$name"
    printf '%s\t%s\t%s\t%s\n' "$label" "$unit" "$(median $column native)" "$(median $column greenshim)"
    column=$((column + 1))
  done
} | column -t -s $'\t'
if [ -s "$tmp/notes" ]; then
  echo
  sed 's/^/note: /' "$tmp/notes"
fi
