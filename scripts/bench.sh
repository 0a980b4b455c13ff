#!/usr/bin/env bash
# `make bench`: builds the Google Benchmark suite in Release, runs it, writes BUILD/bench.json
# (Google Benchmark's JSON, the format tools/compare.py reads) and prints the summary, also
# written to BUILD/bench_summary.txt. docs/PERFORMANCE.md explains every figure.
#
# usage: scripts/bench.sh [BUILD_DIR]          (default: build)
# environment:
#   BENCH_FILTER     regex of benchmarks to run (Google Benchmark's --benchmark_filter)
#   BENCH_MIN_TIME   seconds per benchmark, default 0.2 (1.7.1 syntax: a number, no suffix)
#   BENCH_ROUNDS     repetitions of each memory-bound group, default 3
#   BENCH_SIZE_MAX   the headline memory-bound size in int64, default 2e8 (1.6 GB)
#   BENCH_ARGS       more flags for build/bench/parlab_bench
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
cache="$build/CMakeCache.txt"

cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$cache" 2>/dev/null; }

# Numbers from a Debug build, or a build without the suite, mean nothing: make it Release.
if [ ! -f "$cache" ] || [ "$(cache_value CMAKE_BUILD_TYPE)" != Release ] ||
   [ "$(cache_value PARLAB_BUILD_BENCH)" = OFF ]; then
  echo "bench: configuring $build as a Release build with the benchmark suite"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPARLAB_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$build" --target parlab_bench parlab parlab_fork_workers parlab_thread_sum parlab_sharded_counter -j "$jobs"
# The hand-written MPI program exists only where CMake found MPI; bench_mpi.sh says when it skips.
cmake --build "$build" --target parlab_mpi_baseline -j "$jobs" >/dev/null 2>&1 || true

if ! command -v python3 >/dev/null 2>&1; then
  echo "bench: python3 is needed for the summary (bash scripts/install-deps.sh installs it)" >&2
  exit 1
fi

# libgomp reads this when it loads; spinning OpenMP threads would slow whatever runs next.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

# Other work on the machine moves every figure. The load average would still count the build
# that just finished, so sample what the CPUs do over one second instead.
# shellcheck source=scripts/busy.sh
source "$root/scripts/busy.sh"
busy=$(busy_percent)
if [ "$busy" -gt 25 ]; then
  echo "bench: the CPUs were ${busy}% busy before the start: other work is running, figures will be noisy"
fi

args=(
  "--benchmark_min_time=${BENCH_MIN_TIME:-0.2}"
  "--benchmark_out=$build/bench.json" --benchmark_out_format=json
  "--rounds=${BENCH_ROUNDS:-3}" "--size_max=${BENCH_SIZE_MAX:-2e8}"
)
[ -n "${BENCH_FILTER:-}" ] && args+=("--benchmark_filter=$BENCH_FILTER")
# shellcheck disable=SC2206  # BENCH_ARGS is a list of flags, split on purpose
[ -n "${BENCH_ARGS:-}" ] && args+=($BENCH_ARGS)

start=$(date +%s)
"$build/bench/parlab_bench" "${args[@]}"
echo "bench: suite ran in $(($(date +%s) - start)) s; JSON in $build/bench.json"
echo
# Each part exits 1 when a benchmark failed or did not verify, and so does `make bench`. A target
# missed by results that all verified is counted at the end; BENCH_STRICT=1 makes it exit 1 (CI).
rc=0
python3 "$root/bench/summary.py" "$build/bench.json" --out "$build/bench_summary.txt" || rc=1
echo "bench: summary written to $build/bench_summary.txt"
echo
# The process backends against hand-written programs, each a process of its own: a baseline
# inside parlab_bench carries the engine's process state and hid a regression of fork's price.
python3 "$root/scripts/bench_processes.py" "$build" | tee "$build/bench_processes.txt" || rc=1
echo
bash "$root/scripts/bench_mpi.sh" "$build" | tee "$build/bench_mpi.txt" || rc=1
parts=("$build/bench_summary.txt" "$build/bench_processes.txt" "$build/bench_mpi.txt")
# A part that wrote nothing counts nothing (its failure is rc already); grep finding no line is
# no error here. The summary lists its misses twice: where measured, and under its tally.
lines=$(cat "${parts[@]}" 2>/dev/null || true)
met=$(grep -c '^  \[met\]' <<<"$lines" || true)
missed=$( (grep '^  \[MISSED\]' <<<"$lines" || true) | sort -u | grep -c . || true)
echo
echo "bench: targets of the suite, the process programs and MPI: $met met, $missed missed"
[ "$rc" -ne 0 ] && echo "bench: a benchmark failed or did not verify (exit 1)" && exit 1
if [ "$missed" -gt 0 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
  echo "bench: BENCH_STRICT=1: $missed targets missed (exit 1)"
  exit 1
fi
