#!/usr/bin/env bash
# Builds and runs greenshim's tests offline and prints, as the very last line,
# "N passed, N failed" counted per test case (gtest TEST()s, one per other test).
#
#   scripts/test.sh                                 # bazel test //..., then the
#                                                   # unit tests under ASan and TSan
#   scripts/test.sh --config=asan //runtime/...     # flags and/or targets
#   scripts/test.sh --test_filter=Foo.* -- //... -//bench/...
#
# Arguments starting with "-" are passed to bazel as flags (use --flag=value);
# target patterns (anything containing "/", ":" or "...", starting with "@",
# or everything after "--") replace the default //... .
# Exit status: non-zero if any test failed or bazel failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

scripts/deps.sh || exit $?

flags=()
targets=()
after_dashdash=0
for arg in "$@"; do
  if ((after_dashdash)); then
    targets+=("$arg")
  elif [[ "$arg" == "--" ]]; then
    after_dashdash=1
  elif [[ "$arg" == -* ]]; then
    flags+=("$arg")
  elif [[ "$arg" == @* || "$arg" == */* || "$arg" == *:* || "$arg" == *...* ]]; then
    targets+=("$arg")
  else
    flags+=("$arg")  # value of a preceding "--flag value"
  fi
done
if ((${#targets[@]} == 0)); then
  targets=("//...")
fi

bep_files=()
trap 'rm -f "${bep_files[@]}"' EXIT

# One `bazel test` invocation; its results are counted at the end.
# --keep_going: one package that does not build yet must not hide the results
# of all the others; its tests are counted as failed.
bazel_rc=0
run_bazel_test() {
  local bep
  bep=$(mktemp "${TMPDIR:-/tmp}/greenshim-bep.XXXXXX.json") || exit 2
  bep_files+=("$bep")
  bazel test --keep_going --build_event_json_file="$bep" "$@" </dev/null
  local rc=$?
  if ((rc != 0 && bazel_rc == 0)); then bazel_rc=$rc; fi
}

if (($# == 0)); then
  run_bazel_test -- //...
  # The runtime's own unit tests must stay clean under both sanitizers.
  run_bazel_test --config=asan -- //tests/unit/...
  run_bazel_test --config=tsan -- //tests/unit/...
else
  run_bazel_test "${flags[@]}" -- "${targets[@]}"
fi

python3 scripts/count_tests.py "${bep_files[@]}"
count_rc=$?

if ((bazel_rc != 0)); then
  exit "$bazel_rc"
fi
exit "$count_rc"
