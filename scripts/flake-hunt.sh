#!/usr/bin/env bash
# make flake-hunt: the whole suite FLAKE_RUNS times (default 3), then `make asan` once
# (FLAKE_ASAN=0 leaves it out), all beside a competing CPU load of one busy process per core at
# normal priority: a real neighbour, as on a shared course server or a CI runner. Prints every
# test that failed or was skipped at least once, how many of the runs it did so in, and its
# first failure line. Exit 1 when any test failed. Logs go to $BUILD/flake-hunt/.
# docs/RELIABILITY.md, "Finding flaky checks".
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
runs=${FLAKE_RUNS:-3}
jobs=${JOBS:-$(nproc)}
logs="$build/flake-hunt"
case $runs in '' | *[!0-9]*) echo "flake-hunt: FLAKE_RUNS='$runs': expected a whole number" >&2; exit 2 ;; esac

make --no-print-directory build BUILD="$build" || exit 1
rm -rf "$logs"
mkdir -p "$logs"
# The ASan tree is built before the load starts: its build runs niced, and one busy process per
# core would starve it for an hour. Its tests then run under the load like the rest.
if [ "${FLAKE_ASAN:-1}" != 0 ]; then
  ASAN_BUILD_ONLY=1 make --no-print-directory asan >"$logs/asan-build.log" 2>&1 ||
    { echo "flake-hunt: the ASan build failed ($logs/asan-build.log)" >&2; exit 1; }
fi

load=()
stop_load() {
  [ ${#load[@]} -eq 0 ] && return
  kill "${load[@]}" 2>/dev/null
  wait "${load[@]}" 2>/dev/null
  load=()
}
trap stop_load EXIT
for _ in $(seq "$(nproc)"); do
  bash -c 'while :; do :; done' &
  load+=($!)
done
echo "flake-hunt: ${#load[@]} busy processes (one per core) run beside every pass"

for i in $(seq "$runs"); do
  start=$SECONDS
  (cd "$build" && ctest --output-on-failure -j "$jobs") >"$logs/suite-$i.log" 2>&1
  echo "flake-hunt: suite run $i of $runs: exit $?, $((SECONDS - start)) s ($logs/suite-$i.log)"
done
if [ "${FLAKE_ASAN:-1}" != 0 ]; then
  start=$SECONDS
  make --no-print-directory asan >"$logs/asan.log" 2>&1
  echo "flake-hunt: make asan: exit $?, $((SECONDS - start)) s ($logs/asan.log)"
fi
stop_load
summary=("$logs"/suite-*.log)
[ "${FLAKE_ASAN:-1}" != 0 ] && summary+=("$logs/asan.log")
python3 scripts/flake_summary.py "${summary[@]}"
