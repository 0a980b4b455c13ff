#!/usr/bin/env bash
# Faults end to end (docs/RUNNER.md, "Faults"), through parlab_faulty, the CLI plus the tests'
# fault kernel: a throw on every backend fails its record with the message; a crashing child
# fails its record within a second, named; a crash inside the process ends it by its signal
# with the finished CSV rows kept; a hung child is killed by --run-timeout (the sweep goes on)
# and by --timeout; a hung run inside the process under --run-timeout is abandoned with the
# finished records written; --run-timeout's bad values are one line and exit 2; `parlab list`
# does not show the kernel; no process is left behind. Usage: faults_test.sh parlab_faulty parlab
set -u
# shellcheck source=tests/elapsed.sh
source "$(dirname "$0")/elapsed.sh"
faulty=$(realpath "$1")
parlab=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
fails=0
passes=0
# Every process started here carries this in its environment, so that one left behind is found.
export PARLAB_FAULTS_TEST=$$.$RANDOM

fail() { echo "FAIL $*"; fails=$((fails + 1)); }
pass() { passes=$((passes + 1)); }
check() {  # check NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@"; then pass; else fail "$name"; fi
}

# run NAME EXPECTED_EXIT command...: output in NAME.out and NAME.err, seconds taken in $took
run() {
  local name=$1 want=$2
  shift 2
  local start=$EPOCHREALTIME
  "$@" >"$name.out" 2>"$name.err"
  local got=$?
  took=$(seconds_since "$start")
  if [ "$got" -ne "$want" ]; then
    fail "$name: exit $got, expected $want"; cat "$name.err"; return 1
  fi
  pass
}
has() {  # has NAME FILE ERE
  if grep -qE -- "$3" "$2"; then pass; else fail "$1: $2 lacks /$3/"; head -c 2000 "$2"; fi
}
faster() {  # faster NAME SECONDS: the last run took less
  if under "$took" "$2"; then pass; else fail "$1: took $took s, not under $2"; fi
}
left_behind() {  # the processes started here still alive (or zombies), as "pid command"
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "PARLAB_FAULTS_TEST=$PARLAB_FAULTS_TEST" &&
      echo "${p#/proc/} $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)"
  done
}
nothing_left() {
  local left
  left=$(left_behind)
  if [ -z "$left" ]; then pass; else fail "$1: left behind: $left"; fi
}
# rows FILE: the CSV's records as "backend threads verified"
rows() {
  python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])): print(r["backend"], r["threads"], r["verified"])' "$1"
}

# ---- the kernel is the tests' own ----
"$faulty" list | grep -qE '^  fault ' && pass || fail "parlab_faulty list lacks the fault kernel"
"$parlab" list | grep -qE '^  fault ' && fail "parlab list shows the fault kernel" || pass

# ---- --run-timeout's values, as --timeout's ----
for bad in 5 0s -1s abc '' 1e400s nans; do
  if run "bad-$bad" 2 "$faulty" run -k fault -b seq -t 1 --run-timeout "$bad"; then
    [ "$(wc -l <"bad-$bad.err")" -eq 1 ] && pass || fail "bad-$bad: not one line"
    has "bad-$bad" "bad-$bad.err" "^parlab: --run-timeout '"
  fi
done

# ---- a throw, on every backend of this machine: each record fails with the message ----
if run throw 1 "$faulty" run -k fault -b all -t 2 --fault throw --at 700 --format csv -o t.csv; then
  backends=$("$faulty" list | awk '/^backends:/ {b=1; next} b && /^  / && !/\+BACKEND/ {n++} END {print n}')
  check "throw: one record per backend" [ "$(($(wc -l <t.csv) - 1))" -eq "$backends" ]
  check "throw: every record names the throw" \
    [ "$(grep -c 'the fault kernel threw at index 700' t.csv)" -eq "$backends" ]
fi
nothing_left throw

# ---- a wrong partial, on every backend of this machine: each record fails its check ----
if run wrong 1 "$faulty" run -k fault -b all -t 2 --fault wrong --at 700 --format csv -o w.csv; then
  check "wrong: one record per backend" [ "$(($(wc -l <w.csv) - 1))" -eq "$backends" ]
  check "wrong: every record fails its check" \
    [ "$(grep -c 'wrong result: .* items, each once: no' w.csv)" -eq "$backends" ]
fi
nothing_left wrong

# ---- a failure to prepare the data: every record says so, none is measured ----
if run prepare 1 "$faulty" run -k fault -b seq,threads -t 2 --fault prepare --at 3 --format csv -o p.csv; then
  check "prepare: every record names the failure" \
    [ "$(grep -c 'failed: the fault kernel failed to prepare index 3' p.csv)" -eq 2 ]
fi

# ---- a crashing child: its record fails within a second, naming the signal and the worker ----
# (tests/faults_test.cpp holds every backend whose workers are processes to this, by its traits)
for b in fork forkpool; do
  if run "crash-$b" 1 "$faulty" run -k fault -b "$b" -t 2 --fault crash --at 999 --csv c.csv; then
    has "crash-$b" c.csv "$b worker 1 was killed by signal SIGSEGV"
    faster "crash-$b" 2
  fi
  nothing_left "crash-$b"
done

# ---- a crash inside the process is the process's: it ends by SIGSEGV, finished rows kept ----
# --weak grows the items: seq and t=1 (1000 items) finish, t=2 (2000) reaches index 1500.
weak=(sweep -k fault -t 1,2 --weak --items 1000 --at 1500 --reps 2 --no-probe)
if run in-crash 139 "$faulty" "${weak[@]}" -b threads --fault crash --csv ic.csv; then
  check "in-crash: the finished rows are kept" [ "$(rows ic.csv | tr '\n' ';')" = "seq 1 true;threads 1 true;" ]
fi
nothing_left in-crash

# ---- a hung run inside the process under --run-timeout: abandoned, what finished written ----
for b in threads omp async; do
  if run "in-hang-$b" 1 "$faulty" "${weak[@]}" -b "$b" --fault hang --run-timeout 500ms \
    --csv ih.csv --json ih.json; then
    has "in-hang-$b" "in-hang-$b.err" "^parlab: --run-timeout 500ms reached during $b t=2: a run in this process cannot be stopped"
    check "in-hang-$b: the finished rows are kept" [ "$(rows ih.csv | tr '\n' ';')" = "seq 1 true;$b 1 true;" ]
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["abandoned"].startswith("--run-timeout 500ms reached during"), d.get("abandoned")
assert [r["verified"] for r in d["records"]] == [True, True], d["records"]' ih.json && pass ||
      fail "in-hang-$b: the JSON is not the finished records and the reason"
    faster "in-hang-$b" 5
  fi
  nothing_left "in-hang-$b"
done

# ---- a hung run inside the process under --timeout: the command gives up, what finished kept ----
if run in-timeout 1 "$faulty" "${weak[@]}" -b threads --fault hang --timeout 3s --csv it.csv \
  --json it.json; then
  has in-timeout in-timeout.err "^parlab: --timeout 3s reached during threads t=2"
  check "in-timeout: the finished rows are kept" [ "$(rows it.csv | tr '\n' ';')" = "seq 1 true;threads 1 true;" ]
  has in-timeout it.json '"abandoned": "--timeout 3s reached during threads t=2'
  faster in-timeout 6
fi
nothing_left in-timeout

# ---- a hung child: killed at --run-timeout, its record fails, the sweep goes on ----
if run child-hang 1 "$faulty" "${weak[@]}" -b fork,forkpool --fault hang --run-timeout 300ms --csv ch.csv; then
  check "child-hang: every point is a record, the hung ones failed" \
    [ "$(rows ch.csv | tr '\n' ';')" = "seq 1 true;fork 1 true;forkpool 1 true;fork 2 false;forkpool 2 false;" ]
  has child-hang ch.csv "fork worker 1 still running at the run's deadline \(0.3 s\): killed"
  has child-hang ch.csv "forkpool worker 1 still running at the run's deadline \(0.3 s\): killed"
  faster child-hang 10
fi
nothing_left child-hang

# ---- a hung child under --timeout: the command gives up, the child is killed ----
if run child-timeout 1 "$faulty" run -k fault -b fork -t 2 --fault hang --at 999 --timeout 1s; then
  has child-timeout child-timeout.err "^parlab: --timeout 1s reached during fork t=2"
  faster child-timeout 4
fi
nothing_left child-timeout

echo "faults: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
