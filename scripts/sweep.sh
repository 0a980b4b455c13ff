#!/usr/bin/env bash
# The standard scaling sweeps into results/<host>-<date>/: a memory-bound sum, a compute-bound
# sum and simulated I/O (labs/README.md, lesson 6: what saturates at memory bandwidth, what scales
# with cores, what scales with waiting workers), every backend. For each sweep NAME:
#   NAME.txt  the table (machine header, rows, fits, flag legend)
#   NAME.csv  one line per record       NAME.json  machine, config, records with samples, fits
#   NAME.svg  speedup and efficiency against threads, drawn by gnuplot
# plus machine.json (parlab info --json). One run of each sweep writes all four.
#
# Usage: scripts/sweep.sh [BUILD_DIR] [--quick]
#   BUILD_DIR  where parlab was built (default: build)
#   --quick    tiny sizes, a smoke test of the pipeline: the numbers mean nothing
#   RESULTS=DIR  write there instead of results/<host>-<date>/
# Exit status: 0 when every sweep exited 0, else 1 (each sweep still runs).
set -uo pipefail
cd "$(dirname "$0")/.."

build=build
quick=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "sweep.sh: unknown option '$arg' (accepted: --quick, --help)" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
parlab=$build/parlab
if [ ! -x "$parlab" ]; then
  echo "sweep.sh: $parlab not found: build first (make, or cmake --build $build)" >&2
  exit 2
fi
# parlab re-executes itself with this set anyway; set here so the record shows the launcher did.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

host=$(hostname -s 2>/dev/null || hostname)
out=${RESULTS:-results/$host-$(date +%F)}
if [ -z "${RESULTS:-}" ] && [ -e "$out" ]; then out=$out-$(date +%H%M%S); fi  # never overwrite
mkdir -p "$out" || exit 2
"$parlab" info --json >"$out/machine.json"

plot=svg
if ! command -v gnuplot >/dev/null; then
  echo "sweep.sh: gnuplot not found: no plots (make deps, or apt-get install gnuplot-nox)" >&2
  plot=
fi

failed=0
run_sweep() {  # run_sweep NAME parlab-sweep-arguments...
  local name=$1
  shift
  echo "== $name: parlab sweep $*"
  "$parlab" sweep "$@" --csv "$out/$name.csv" --json "$out/$name.json" \
    ${plot:+--plot "$out/$name.$plot"} | tee "$out/$name.txt"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    echo "sweep.sh: $name exited $rc (see $out/$name.txt)" >&2
    failed=1
  fi
  echo
}

if [ "$quick" -eq 1 ]; then
  run_sweep sum-memory -k sum -t 1,2 --size 1e6 --reps 2
  run_sweep sum-compute -k sum -t 1,2 --size 1e5 --intensity 64 --reps 2
  run_sweep io -k io -t 1,2,4 --tasks 8 --duration 2ms --reps 2
else
  # 800 MB of int64: far beyond any cache, so the sum streams memory.
  run_sweep sum-memory -k sum -t pow2 --size 1e8
  # 64 mixing rounds per element: bound by the multiplier, not by memory.
  run_sweep sum-compute -k sum -t pow2 --size 1e7 --intensity 64
  # Waits use no CPU: workers beyond the core count still help, up to one per task.
  run_sweep io -k io -t 1,2,4,8,16,32 --tasks 32 --duration 50ms --reps 3
fi

echo "results in $out/:"
ls "$out"
exit "$failed"
