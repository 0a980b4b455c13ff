#!/usr/bin/env bash
# scripts/slurm/sweep.sbatch on a throwaway one-node Slurm cluster (tests/slurm_cluster.sh):
# submitted with `sbatch --wait`, its records checked (every one verified, a record for each
# ranks x threads asked and the ranks that really ran it, sum's exact result), and every
# daemon and job process stopped and checked gone on every way out. Skips (exit 77, one line)
# where it cannot run: not root, a package missing, no cgroup filesystem, no free port, munged
# will not start.
# usage: tests/slurm_test.sh path/to/parlab path/to/sweep.sbatch
#   SLURM_TEST_KEEP=1 keeps the directory: slurm.conf, the daemons' logs, the job's output.
set -u
parlab=$(realpath "$1")
example=$(realpath "$2")
size=1000000
ranks=3
threads=2
started=$(date +%s%N)
fails=0
passes=0
fail() { echo "FAIL slurm: $*"; fails=$((fails + 1)); }
# shellcheck source=tests/slurm_cluster.sh
source "$(dirname "$0")/slurm_cluster.sh"

tmp=$(mktemp -d)
submit_pid=""
finish() {
  local code=$1
  [ "$code" -ne 0 ] && [ "$code" -ne 77 ] && tail -n 5 "$tmp"/log/*.out "$tmp/job.out" 2>/dev/null
  local stop_start
  stop_start=$(date +%s%N)
  [ -n "$submit_pid" ] && kill "$submit_pid" 2>/dev/null && wait "$submit_pid" 2>/dev/null
  cluster_stop || code=1
  [ "$code" -ne 77 ] && echo "slurm: stopped in $(cluster_seconds_since "$stop_start") s; whole" \
    "test $(cluster_seconds_since "$started") s"
  if [ -n "${SLURM_TEST_KEEP:-}" ]; then echo "slurm: kept $tmp"; else rm -rf "$tmp"; fi
  exit "$code"
}
trap 'finish $?' EXIT

# 3 ranks of 2 threads need 6 CPUs: the node declares 8 whatever it has.
cluster_start "$tmp" 8 || exit 1
echo "slurm: node idle $cluster_idle_after s after the start"

steps="point sweep"
mkdir "$tmp/out"
job_start=$(date +%s%N)
# In the background, so that a signal to the test is handled at once, not after the job.
cluster_run env PARLAB="$parlab" PARLAB_OUT="$tmp/out" PARLAB_SIZE=$size PARLAB_STEPS="$steps" \
  timeout 120 sbatch --wait --quiet --time=2 --ntasks=$ranks --cpus-per-task=$threads \
  --chdir="$tmp" --output="$tmp/job.out" "$example" &
submit_pid=$!
wait "$submit_pid"
code=$?
submit_pid=""
echo "slurm: the job took $(cluster_seconds_since "$job_start") s from submission to its end"
[ "$code" -eq 0 ] && passes=$((passes + 1)) || fail "sbatch --wait exited $code"
# sbatch --wait reports 0 for a job whose record is gone; the script's last line is its own word.
[ "$(tail -1 "$tmp/job.out" 2>/dev/null)" = "parlab-sweep: done, records in $tmp/out" ] &&
  passes=$((passes + 1)) || fail "the job did not end its script: $(tail -1 "$tmp/job.out" 2>&1)"

# Every record verified; one mpi+omp record for each ranks x threads asked, run by that many
# ranks, each with sum's exact result, computed here. A record's detail is rank 0's check of its
# own block, the first ceil(n / ranks) elements (backends/chunking.hpp's static_block), whose
# sum is b(b + 1) / 2.
check_records() {
  local out
  out=$(python3 - "$@" <<'PY'
import json, sys
path, rank_counts, thread_counts, n, label = sys.argv[1:]
n = int(n)
try:
    records = json.load(open(path))["records"]
except Exception as e:
    sys.exit(print(f"FAIL {label}: {path}: {e}"))
for r in records:
    print(("PASS" if r["verified"] else "FAIL") + f" {label}: {r['backend']} t={r['threads']} "
          f"ranks={r['ranks']} verified: {r['detail']}")
mpi = [r for r in records if r["backend"] == "mpi+omp"]
asked = [(int(p), int(t)) for p in rank_counts.split(",") for t in thread_counts.split(",")]
for p, t in asked:
    at = [r for r in mpi if (r["ranks"], r["threads"]) == (p, t)]
    b = -(-n // p)
    want = f"sum {b * (b + 1) // 2}, expected {b * (b + 1) // 2} "
    exact = len(at) == 1 and at[0]["detail"].startswith(want)
    print(("PASS" if exact else "FAIL") + f" {label}: {p} ranks x {t} threads: {len(at)} "
          f"records, {[r['detail'] for r in at]}; want one, '{want.strip()}...'")
if len(mpi) != len(asked):
    print(f"FAIL {label}: {len(mpi)} mpi+omp records for {len(asked)} points asked")
PY
)
  local code=$?
  [ "$code" -eq 0 ] || fail "$5: the record checker itself failed (exit $code)"
  passes=$((passes + $(grep -c '^PASS' <<<"$out")))
  grep '^FAIL' <<<"$out" | while read -r line; do echo "FAIL slurm: ${line#FAIL }"; done
  fails=$((fails + $(grep -c '^FAIL' <<<"$out")))
}

# Only rank 0 writes: one header, a line per record of the JSON, each verified.
check_csv() {
  local records headers rows verified
  records=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["records"]))' \
    "$2" 2>/dev/null)
  headers=$(grep -c '^kernel,' "$1" 2>/dev/null)
  rows=$(grep -vc '^kernel,' "$1" 2>/dev/null)
  verified=$(grep -c ',true,' "$1" 2>/dev/null)
  [ "$headers" = 1 ] && [ "$rows" = "$records" ] && [ "$verified" = "$records" ] &&
    passes=$((passes + 1)) ||
    fail "$3: $1 has $headers headers, $rows rows, $verified verified; the JSON $records records"
}

check_records "$tmp/out/point.json" $ranks $threads $size "part (a), srun parlab run"
if [ "$steps" != point ]; then
  check_records "$tmp/out/sweep.json" "$(seq -s, 1 $ranks)" "$(seq -s, 1 $threads)" $size \
    "part (b), parlab sweep --launcher srun"
  check_csv "$tmp/out/sweep.csv" "$tmp/out/sweep.json" "part (b)"
fi
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
