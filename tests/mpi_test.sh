#!/usr/bin/env bash
# The mpi backends under mpirun: mpi, mpi+omp, mpi+threads and mpi+tbb at 1, 2 and 3 ranks give
# verified results for sum (sizes down to fewer elements than ranks) and io, over shared memory
# (btl self,vader) and TCP over loopback (btl self,tcp); only rank 0 writes; a rank killed from
# outside fails the job within seconds and leaves no process; mpi+mpi, mpi -t 2 and a kernel
# that does not split by index on 2 ranks are refused.
# usage: tests/mpi_test.sh path/to/parlab path/to/mpiexec
set -u
parlab=$1
mpiexec=$2
# As root (CI, containers) Open MPI refuses to start without these (docs/RUNNER.md).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1  # 3 ranks on 2 cores
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

backends=mpi,mpi+omp,mpi+threads,mpi+tbb
# PARLAB_MPI_BTLS narrows the transports (make asan runs self,vader alone: the transports are
# Open MPI's code, which ASan does not instrument, and parlab's code is the same over both).
for btl in ${PARLAB_MPI_BTLS:-self,vader self,tcp}; do
  for ranks in 1 2 3; do
    for args in "-k sum --size 2" "-k sum --size 1000 --intensity 3" "-k sum --size 1e6" \
                "-k io --tasks 7 --duration 1ms"; do
      name="$btl np=$ranks $args"
      # shellcheck disable=SC2086
      if ! OMPI_MCA_btl=$btl timeout 120 "$mpiexec" -np "$ranks" "$parlab" run $args -b "$backends" \
          -t 1 --reps 2 --format csv >"$tmp/out" 2>"$tmp/err"; then
        fail "$name: exit $?: $(tail -3 "$tmp/err")"; continue
      fi
      rows=$(grep -c ',true,' "$tmp/out")
      headers=$(grep -c '^kernel,' "$tmp/out")
      [ "$rows" -eq 4 ] && [ "$headers" -eq 1 ] && passes=$((passes + 1)) ||
        fail "$name: $rows verified rows and $headers headers (one rank writes 4 rows)"
      # The record says how many ranks ran it, measured by the backend, and the transport asked.
      seen=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ranks") c = i; next } { print $c }' \
        "$tmp/out" | sort -u | tr '\n' ' ')
      [ "$seen" = "$ranks " ] && passes=$((passes + 1)) || fail "$name: ranks column '$seen'"
      if [ "$ranks" -gt 1 ]; then
        grep -q ",$btl," "$tmp/out" 2>/dev/null || grep -q "\"$btl\"" "$tmp/out" &&
          passes=$((passes + 1)) || fail "$name: the transport $btl is not in the record"
      fi
    done
  done
done

# A memory stream on 2 ranks has no share of a read bandwidth: one rank's probe on its own cores
# is no measure of what the job reads (a share of 177% was printed so), so no probe runs.
if OMPI_MCA_btl=self,vader timeout 120 "$mpiexec" -np 2 "$parlab" run -k sum --size 1e6 -b mpi \
    -t 1 --reps 2 --format json >"$tmp/out" 2>"$tmp/err"; then
  python3 - "$tmp/out" <<'PY' && passes=$((passes + 1)) || fail "a job of ranks was given a bandwidth share"
import json, sys
d = json.load(open(sys.argv[1]))
assert "read_bandwidth" not in d["machine"], d["machine"].get("read_bandwidth")
assert d["records"] and all(r["bandwidth_fraction"] == 0 for r in d["records"]), d["records"]
PY
else
  fail "sum on 2 ranks, json: exit $?: $(tail -3 "$tmp/err")"
fi

# Redirected, a job's table has no colour: mpirun gives its ranks a pseudo-terminal, so a rank's
# isatty says nothing about where the output goes (escape codes were seen in files so).
OMPI_MCA_btl=self,vader timeout 120 "$mpiexec" -np 2 "$parlab" run -k sum --size 1e5 -b mpi -t 1 \
  --reps 2 >"$tmp/out" 2>&1
# Nor a progress bar: its carriage returns would fill the file with every redraw.
if grep -q "$(printf '\033')" "$tmp/out" || grep -q "$(printf '\r')" "$tmp/out" ||
  ! grep -q ' yes' "$tmp/out"; then
  fail "a redirected table under mpirun: $(cat -v "$tmp/out" | tail -3)"
else
  passes=$((passes + 1))
fi

# A rank killed from outside: mpirun ends the job, non-zero, within seconds; nothing is left.
OMPI_MCA_btl=self,vader timeout 60 "$mpiexec" -np 2 "$parlab" run -k io -b mpi -t 1 \
  --tasks 4 --duration 5s --reps 3 >"$tmp/out" 2>"$tmp/err" &
job=$!
victim=""
for _ in $(seq 100); do
  # A rank itself, not mpirun or timeout, whose command lines hold the same words later on.
  victim=$(pgrep -f "^$parlab run -k io -b mpi -t 1 --tasks 4 --duration 5s" | tail -1)
  [ -n "$victim" ] && break
  sleep 0.1
done
sleep 1
start=$(date +%s)
[ -n "$victim" ] && kill -9 "$victim"
wait "$job"
code=$?
took=$(( $(date +%s) - start ))
[ "$code" -ne 0 ] && passes=$((passes + 1)) || fail "killed rank: mpirun exited 0"
[ "$took" -le 10 ] && passes=$((passes + 1)) || fail "killed rank: the job took $took s to end"
sleep 0.5
[ -n "$victim" ] && passes=$((passes + 1)) || fail "killed rank: no rank found to kill"
if pgrep -f "run -k io -b mpi -t 1 --tasks 4 --duration 5s" >/dev/null; then
  fail "killed rank: a process of the job was left behind"
  pkill -9 -f "run -k io -b mpi -t 1 --tasks 4 --duration 5s" || true
else
  passes=$((passes + 1))
fi

# A kernel whose work does not split by index cannot be given to ranks a part each: refused.
OMPI_MCA_btl=self,vader timeout 60 "$mpiexec" -np 2 "$parlab" run -k counter -b mpi -t 1 \
  >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "does not split by index" "$tmp/err" && passes=$((passes + 1)) ||
  fail "counter on 2 ranks: $(tail -3 "$tmp/err")"

"$parlab" run -k sum -b mpi+mpi -t 1 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "mpi backend over another" "$tmp/err" && passes=$((passes + 1)) ||
  fail "mpi+mpi: $(cat "$tmp/err")"
"$parlab" run -k sum -b mpi -t 2 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- "-t/--threads '2': expected at most 1 for backend mpi" "$tmp/err" &&
  passes=$((passes + 1)) || fail "mpi -t 2: $(cat "$tmp/err")"
"$parlab" list | grep -q "mpi+BACKEND" && passes=$((passes + 1)) || fail "list lacks mpi+BACKEND"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
