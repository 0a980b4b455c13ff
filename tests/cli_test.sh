#!/usr/bin/env bash
# The command-line contract end to end: exit codes 0/1/2, one-line errors naming flag, value
# and what is accepted, output formats. Usage: cli_test.sh path/to/parlab
set -u
parlab=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0

check() {  # check NAME EXPECTED_EXIT [grep-pattern-on-stderr+stdout] -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; cat "$tmp/err"; fails=$((fails + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out" "$tmp/err"; then
    echo "FAIL $name: output lacks /$pattern/"; cat "$tmp/out" "$tmp/err"; fails=$((fails + 1)); return
  fi
  passes=$((passes + 1))
}

one_line_error() {  # the usage error is exactly one line on stderr
  local name=$1
  shift
  check "$name" 2 "" -- "$@"
  if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
    echo "FAIL $name: stderr is not one line:"; cat "$tmp/err"; fails=$((fails + 1))
  fi
}

check list 0 "^  fork" -- "$parlab" list
check help 0 "Examples" -- "$parlab" run --help
check info 0 "^  CPU  " -- "$parlab" info --no-probe
# A machine this one is not, shown through hwloc's synthetic topologies: read as a person would.
big="pack:2 numa:2 core:32 pu:2"
check info-synthetic-128-cores 0 "^  Cores +128 \(64 per socket\)$" -- env HWLOC_SYNTHETIC="$big" "$parlab" info --no-probe
check info-synthetic-4-nodes 0 "^  Domain 3 +hardware threads 192-255" -- env HWLOC_SYNTHETIC="$big" "$parlab" info --no-probe
check info-synthetic-unreadable 0 "hwloc could not use HWLOC_SYNTHETIC='pack:banana'" -- env HWLOC_SYNTHETIC="pack:banana" "$parlab" info --no-probe
check info-synthetic-json 0 '"cores": 128' -- env HWLOC_SYNTHETIC="$big" "$parlab" info --json --no-probe
check info-json 0 '"usable_cpus"' -- "$parlab" info --json
# The race: every mode, choice and flag parameters, and its lesson; the emulated GIL.
for m in unsafe mutex atomic sharded; do
  check "counter-$m" 0 "final=" -- "$parlab" run -k counter -b threads -t 2 --increments 1e5 --mode "$m" --reps 2
done
check counter-fork-isolated 0 "own copy of the counter" -- "$parlab" run -k counter -b fork -t 2 --increments 1e4 --mode atomic --reps 1
check counter-fork-isolated-status 0 "isolated: saw 0 of 10000" -- "$parlab" run -k counter -b fork -t 2 --increments 1e4 --mode atomic --reps 1
check counter-fork-shared 0 "final=10000 expected=10000" -- "$parlab" run -k counter -b fork -t 2 --increments 1e4 --mode mutex --shared --reps 1
check counter-json 0 '"lost_updates"' -- "$parlab" run -k counter -b threads -t 2 --increments 1e4 --reps 1 --format json
one_line_error counter-bad-mode "$parlab" run -k counter -b threads -t 2 --mode bogus
grep -q "expected unsafe|mutex|atomic|sharded" "$tmp/err" || { echo "FAIL counter-bad-mode lists the modes"; fails=$((fails + 1)); }
one_line_error counter-mode-on-sum "$parlab" run -k sum -b threads -t 2 --mode atomic
check gil-threads 0 "gil=held" -- "$parlab" run -k io -b threads -t 2 --tasks 2 --duration 10ms --gil --reps 1
check gil-fork 0 "gil=per-process" -- "$parlab" run -k sum -b fork -t 2 --size 1e5 --gil --reps 1
one_line_error gil-interval-alone "$parlab" run -k sum -b threads -t 2 --switch-interval 5ms
one_line_error gil-interval-zero "$parlab" run -k sum -b threads -t 2 --gil --switch-interval 0
one_line_error gil-interval-word "$parlab" run -k sum -b threads -t 2 --gil --switch-interval soon
# The pipeline (lesson 8): on threads and processes, with its record fields; refused where its
# roles cannot all run at once, or when the split leaves a side empty.
check pipeline-threads 0 "max_in_io=" -- "$parlab" run -k pipeline -b threads -t 4 --items 16 --duration 1ms --cpu 200us --reps 1
check pipeline-forkpool 0 "cpu-rounds=[1-9]" -- "$parlab" run -k pipeline -b forkpool -t 3 --items 16 --duration 1ms --cpu 200us --reps 1
check pipeline-sweep-all 0 "skipped seq, tbb" -- "$parlab" sweep -k pipeline -t 2 --items 8 --duration 1ms --cpu 100us --reps 1
one_line_error pipeline-on-seq "$parlab" run -k pipeline -b seq -t 1
grep -q "backends that can: threads, omp, fork, forkpool" "$tmp/err" || { echo "FAIL pipeline-on-seq names the backends: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error pipeline-one-worker "$parlab" run -k pipeline -b threads -t 1,2
grep -q "at least 2 workers" "$tmp/err" || { echo "FAIL pipeline-one-worker: $(cat "$tmp/err")"; fails=$((fails + 1)); }
# async (issue 12): io's waits on one event-loop thread; computation and --gil refused; sizes
# that cannot fit refused before anything is allocated, with the largest that would.
check async-io 0 "peak_waits" -- "$parlab" run -k io -b async -t 1 --tasks 1000 --duration 20ms --reps 1 --format csv
check async-sweep-all 0 "skipped async: async is an event loop" -- "$parlab" sweep -k sum -t 1 --size 1e4 --reps 1
one_line_error async-sum "$parlab" run -k sum -b async -t 1
grep -q "runs waits, not computation.*backends that can: seq" "$tmp/err" || { echo "FAIL async-sum names the backends: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error async-gil "$parlab" run -k io -b async -t 1 --gil
one_line_error tasks-too-many "$parlab" run -k io -b async -t 1 --tasks 1e8
grep -q -- "--tasks '1e8': expected from 1 to 10000000" "$tmp/err" || { echo "FAIL tasks-too-many: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error size-does-not-fit "$parlab" run -k sum -b seq -t 1 --size 1e13
grep -q -- "--size .*expected at most [0-9]*: 8 bytes each" "$tmp/err" || { echo "FAIL size-does-not-fit: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error pipeline-no-consumer "$parlab" run -k pipeline -b fork -t 4 --producers 4
one_line_error pipeline-zero-capacity "$parlab" run -k pipeline -b threads -t 2 --capacity 0
# mixed (lesson 9): any backend runs it whole; --cpu-on splits it over two backends at once.
m="--items 8 --duration 1ms --cpu 200us --reps 1"
check mixed-seq 0 "io_roles=1 cpu_roles=1" -- "$parlab" run -k mixed -b seq -t 1 $m
check mixed-tbb 0 "io_roles=2 cpu_roles=2" -- "$parlab" run -k mixed -b tbb -t 2 $m
check mixed-staged 0 "cpu_on=forkpool cpu_workers=2" -- "$parlab" run -k mixed -b threads -t 3 --cpu-on forkpool --cpu-workers 2 $m
check mixed-staged-gil 0 "io_roles=3 cpu_roles=1" -- "$parlab" run -k mixed -b threads -t 3 --cpu-on fork --cpu-workers 1 --gil $m
check mixed-staged-sweep 0 "skipped seq, tbb, forkpool, async: .*forkpool runs the --cpu-on stage" -- "$parlab" sweep -k mixed -t 1,2 --cpu-on forkpool --cpu-workers 1 $m
grep -q "against its own run at t=1" "$tmp/err" || { echo "FAIL mixed-staged-sweep says what its speedup is against"; fails=$((fails + 1)); }
one_line_error cpu-on-unknown "$parlab" run -k mixed -b threads -t 2 --cpu-on gpu
one_line_error cpu-on-seq "$parlab" run -k mixed -b threads -t 2 --cpu-on seq
grep -q "one of threads, omp, fork, forkpool" "$tmp/err" || { echo "FAIL cpu-on-seq names the backends: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error cpu-on-same "$parlab" run -k mixed -b forkpool -t 2 --cpu-on forkpool
one_line_error cpu-on-first-seq "$parlab" run -k mixed -b seq -t 1 --cpu-on forkpool
one_line_error cpu-on-reduction "$parlab" run -k sum -b threads -t 2 --cpu-on forkpool
one_line_error cpu-workers-alone "$parlab" run -k mixed -b threads -t 2 --cpu-workers 2
one_line_error cpu-workers-zero "$parlab" run -k mixed -b threads -t 2 --cpu-on fork --cpu-workers 0
one_line_error cpu-workers-huge "$parlab" run -k mixed -b threads -t 2 --cpu-on fork --cpu-workers 5000
one_line_error cpu-workers-word "$parlab" run -k mixed -b threads -t 2 --cpu-on fork --cpu-workers two
for b in seq threads tbb omp fork; do
  check "run-$b" 0 "yes" -- "$parlab" run -k sum -b "$b" -t 2 --size 1e6 --reps 2
done
# seq among run's backends is measured first, and every other row's speedup is over it.
check run-speedup-over-seq 0 "" -- "$parlab" run -k sum -b threads,seq -t 2 --size 1e6 --reps 2 --no-probe --format json
python3 -c "
import json, sys
r = json.load(open('$tmp/out'))['records']
assert [x['backend'] for x in r] == ['seq', 'threads'], [x['backend'] for x in r]
assert r[0]['speedup'] == 1 and r[1]['speedup'] > 0 and r[1]['efficiency'] > 0, r
" 2>"$tmp/err" && passes=$((passes + 1)) || { echo "FAIL run-speedup-over-seq: $(cat "$tmp/err")"; fails=$((fails + 1)); }
check run-json 0 '"verified": true' -- "$parlab" run -k io -b threads -t 4 --tasks 4 --duration 10ms --format json
check run-csv 0 "^kernel,backend,threads" -- "$parlab" run -k sum -b omp -t 1,2 --size 64K --format csv

one_line_error bad-size "$parlab" run -k sum -b seq -t 1 --size 12x
grep -q -- "--size '12x'" "$tmp/err" || { echo "FAIL bad-size message: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error bad-kernel "$parlab" run -k nope -b seq -t 1
grep -q "sum, io" "$tmp/err" || { echo "FAIL bad-kernel lists kernels: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error bad-backend "$parlab" run -k sum -b cuda -t 1
one_line_error bad-threads "$parlab" run -k sum -b threads -t 0
one_line_error bad-threads-range "$parlab" run -k sum -b threads -t 4..2
one_line_error bad-schedule "$parlab" run -k sum -b omp -t 2 --schedule fast
one_line_error bad-duration "$parlab" run -k io -b threads -t 2 --duration 5
one_line_error bad-jitter "$parlab" run -k io -b threads -t 2 --jitter 1.5
one_line_error wrong-kernel-param "$parlab" run -k sum -b threads -t 2 --tasks 4
one_line_error bad-reps "$parlab" run -k sum -b threads -t 2 --reps 0
one_line_error bad-format "$parlab" run -k sum -b threads -t 2 --format xml
one_line_error missing-kernel "$parlab" run -b threads -t 2
one_line_error unknown-flag "$parlab" run -k sum -b threads -t 2 --frobnicate

check lab-list 0 "^ 7  race" -- "$parlab" lab list
one_line_error lab-unknown-name "$parlab" lab nope
grep -q "lab 'nope': expected list, all, or a lesson: 1 sequential" "$tmp/err" || { echo "FAIL lab-unknown-name message: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error lab-unknown-number "$parlab" lab 42
grep -q "lab '42'" "$tmp/err" || { echo "FAIL lab-unknown-number message: $(cat "$tmp/err")"; fails=$((fails + 1)); }
one_line_error lab-bad-format "$parlab" lab race --format xml
one_line_error lab-bad-json "$parlab" lab race --json "$tmp/no/such/dir/lab.json"

# --color: always colours a redirected table, never and auto (not a terminal) do not.
esc=$(printf '\033')
for when in always never auto; do
  check "color-$when" 0 "yes" -- "$parlab" run -k sum -b seq -t 1 --size 1e4 --no-probe --color "$when"
  if grep -q "$esc" "$tmp/out"; then coloured=yes; else coloured=no; fi
  want=no; [ "$when" = always ] && want=yes
  [ "$coloured" = "$want" ] || { echo "FAIL color-$when: escape codes: $coloured"; fails=$((fails + 1)); }
done

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
