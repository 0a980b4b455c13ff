#!/usr/bin/env bash
# Failing ranks (issue 13) through parlab_faulty's fault kernel on 2 ranks, rank 1 owning index
# 999 of 1000: a rank that throws, one that crashes, one whose partial is wrong (named by its
# own check before the reduce), one that fails to prepare its slice (the other waits for it), one killed from outside (kill -9 while it
# hangs), and a hung rank under --run-timeout (in the rank's process, and in a fork child of
# it) or --timeout. Each job must fail (mpirun non-zero) within 10 s, the rank named where the case allows,
# and leave no process: no rank, orted or prted, found by a variable in their environment.
# usage: tests/mpi_faults_test.sh path/to/parlab_faulty path/to/mpiexec
set -u
# shellcheck source=tests/elapsed.sh
source "$(dirname "$0")/elapsed.sh"
faulty=$1
mpiexec=$2
# As root (CI, containers) Open MPI refuses to start without these (docs/RUNNER.md).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export PARLAB_FAULTS_TEST=mpi.$$.$RANDOM
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
pass() { passes=$((passes + 1)); }

# The processes started here, as "pid command"; with a rank given, that rank's pids alone.
ours() {
  local p env
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    env=$({ tr '\0' '\n' <"$p/environ"; } 2>/dev/null) || continue
    grep -qx "PARLAB_FAULTS_TEST=$PARLAB_FAULTS_TEST" <<<"$env" || continue
    if [ $# -gt 0 ]; then
      grep -qx "OMPI_COMM_WORLD_RANK=$1" <<<"$env" && echo "${p#/proc/}"
    else
      echo "${p#/proc/} $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)"
    fi
  done
}
nothing_left() {
  local left
  for _ in $(seq 20); do  # mpirun's last children may take a moment to be reaped
    left=$(ours)
    [ -z "$left" ] && break
    sleep 0.1
  done
  if [ -z "$left" ]; then pass; else fail "$1: left behind: $left"; kill -9 ${left%% *} 2>/dev/null; fi
}
# job NAME ERE fault-kernel-arguments...: 2 ranks, failing within 10 s, stderr matching ERE.
job() {
  local name=$1 pattern=$2
  shift 2
  local start=$EPOCHREALTIME
  timeout 60 "$mpiexec" -np 2 "$faulty" run -k fault -t 1 --reps 1 --at 999 "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err"
  local code=$?
  ended "$name" "$code" "$start" "$pattern"
}
ended() {  # ended NAME EXIT START ERE
  local took
  took=$(seconds_since "$3")
  [ "$2" -ne 0 ] && pass || fail "$1: mpirun exited 0"
  [ "$2" -ne 124 ] && under "$took" 10 && pass ||
    fail "$1: the job took $took s to end (exit $2)"
  grep -qE -- "$4" "$tmp/$1.err" && pass || { fail "$1: stderr lacks /$4/"; tail -20 "$tmp/$1.err"; }
  nothing_left "$1"
}

job throw "parlab: rank 1 of 2 failed: .*the fault kernel threw at index 999" -b mpi --fault throw
job crash "process rank 1 .* exited on signal 11" -b mpi --fault crash
job wrong "parlab: rank 1 of 2 failed: wrong result for its block: .*: no" -b mpi+threads --fault wrong
job prepare "parlab: rank 1 of 2 failed: preparing .* failed: the fault kernel failed to prepare index 999" \
  -b mpi --fault prepare
job child-hang "parlab: rank 1 of 2 failed: fork worker 0 still running at the run's deadline \(1 s\): killed" \
  -b mpi+fork --fault hang --run-timeout 1s
job rank-hang "parlab: --run-timeout 1s reached during mpi t=1" -b mpi --fault hang --run-timeout 1s
job rank-timeout "parlab: --timeout 1s reached during mpi t=1" -b mpi --fault hang --timeout 1s

# Killed from outside: rank 1 hangs at index 999 and gets kill -9; mpirun must end the job.
timeout 60 "$mpiexec" -np 2 "$faulty" run -k fault -b mpi -t 1 --reps 1 --fault hang --at 999 \
  >"$tmp/killed.out" 2>"$tmp/killed.err" &
launched=$!
victim=""
for _ in $(seq 100); do
  victim=$(ours 1)
  [ -n "$victim" ] && break
  sleep 0.1
done
sleep 1  # into its run
start=$EPOCHREALTIME
if [ -n "$victim" ]; then kill -9 "$victim"; else fail "killed: no rank 1 found to kill"; fi
wait "$launched"
ended killed $? "$start" "process rank 1 .* exited on signal 9"

echo "mpi_faults: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
