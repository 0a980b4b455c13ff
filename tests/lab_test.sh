#!/usr/bin/env bash
# `parlab lab all --quick` end to end: exit 0 (every claim that must hold held), one verdict line
# per lesson that `lab list` names, and the same verdicts and verified records in --json FILE.
# Then again beside one busy process per core: every lesson holds or is not shown, never does
# not hold, and the lessons about waiting (1, 4, 10), which need no free CPU, hold.
# Usage: lab_test.sh path/to/parlab
set -u
parlab=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

lessons=$("$parlab" lab list | wc -l)
[ "$lessons" -ge 5 ] || fail "lab list names $lessons lessons, expected at least 5"
start=$(date +%s)
"$parlab" lab all --quick --json "$tmp/lab.json" >"$tmp/out" 2>"$tmp/err"
code=$?
cat "$tmp/out" "$tmp/err"
echo "lab all --quick: exit $code in $(($(date +%s) - start)) s"
[ "$code" -eq 0 ] || fail "lab all --quick exited $code"
# Every lesson ends with its verdict: holds, or a claim that depends on chance did not show.
verdicts=$(grep -cE '^(holds|not shown on this machine|does not hold on this machine)' "$tmp/out")
[ "$verdicts" -eq "$lessons" ] || fail "$verdicts verdict lines for $lessons lessons"
[ "$(grep -c '^holds: ' "$tmp/out")" -ge 1 ] || fail "no lesson held"
grep -qE '^does not hold on this machine: ' "$tmp/out" && fail "a claim that must hold did not"
# The JSON document: one entry per lesson, each with its verdict and verified records.
[ "$(grep -c '"claim": ' "$tmp/lab.json")" -eq "$lessons" ] || fail "lab.json lacks a lesson"
grep -q '"parlab_version": ' "$tmp/lab.json" || fail "lab.json has no parlab_version"
grep -q '"machine": {' "$tmp/lab.json" || fail "lab.json has no machine block"
grep -q '"read_bandwidth": {' "$tmp/lab.json" || fail "lab.json has no read_bandwidth"
grep -q '"verified": false' "$tmp/lab.json" && fail "lab.json holds a record that did not verify"
[ "$(grep -c '"verdict": "does not hold"' "$tmp/lab.json")" -eq 0 ] || fail "a JSON verdict failed"

# ---- beside a neighbour: one busy process per core, at normal priority, in all ----
# What already keeps CPUs busy (make flake-hunt's own load, another job) counts toward it: two
# busy processes per core are more than the claim is about, and slowed even 10,000 waits on one
# thread past their 2x margin.
# shellcheck source=scripts/busy.sh
source "$(dirname "$0")/../scripts/busy.sh"
already=$((($(busy_percent) * $(nproc) + 50) / 100))  # CPUs, rounded
wanted=$(($(nproc) - already))
echo "lab: $already CPU(s) already busy; $((wanted > 0 ? wanted : 0)) busy process(es) added"
load=()
for _ in $(seq "$wanted"); do
  bash -c 'while :; do :; done' &
  load+=($!)
done
"$parlab" lab all --quick >"$tmp/loaded" 2>&1
code=$?
[ ${#load[@]} -eq 0 ] || kill "${load[@]}"
wait "${load[@]}" 2>/dev/null
grep -E '^(lesson|holds|not shown|does not hold)' "$tmp/loaded"
[ "$code" -eq 0 ] || fail "lab all --quick under load exited $code"
grep -qE '^does not hold on this machine: ' "$tmp/loaded" && fail "under load a claim did not hold"
for n in 1 4 10; do
  verdict=$(awk -v n="$n" '$1 == "lesson" { on = ($2 == n) } on && /^(holds|not shown|does not hold)/ { print; exit }' "$tmp/loaded")
  case $verdict in holds:*) ;; *) fail "under load lesson $n, about waiting, did not hold: $verdict" ;; esac
done
echo "lab: $fails failed"
[ "$fails" -eq 0 ]
