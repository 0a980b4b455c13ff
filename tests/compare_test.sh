#!/usr/bin/env bash
# `parlab compare` end to end: exit codes, formats, refusals, and the done criterion: interleaved
# rounds of the same code compare with exit 0, and of it run under `taskset -c 0`, whose 2-thread
# points then share one CPU, as slower with exit 1.
set -u
parlab=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/out" ] && sed 's/^/  out: /' "$tmp/out" >&2
  [ -f "$tmp/err" ] && sed 's/^/  err: /' "$tmp/err" >&2
  exit 1
}
# expect CODE ARGS...: run parlab with ARGS, stdout to $tmp/out, stderr to $tmp/err.
expect() {
  local code=$1
  shift
  "$parlab" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$code" ] || fail "exit $got, expected $code: parlab $*"
}
has() { grep -qF -- "$2" "$tmp/$1" || fail "$1 lacks '$2'"; }
edit() {  # edit SRC DST PYTHON: DST is SRC's document d after PYTHON
  python3 -c "import json; d = json.load(open('$1')); $3; json.dump(d, open('$2', 'w'))"
}

# timed_sweep NAME [PREFIX...]: the sweep into $tmp/NAME.json.
timed_sweep() {
  local name=$1
  shift
  "$@" "$parlab" "${sweep[@]}" --json "$tmp/$name.json" >/dev/null 2>&1 || fail "sweep $name"
}

# A compute-bound sum: on 2 free CPUs, 2 threads take half the time of one.
sweep=(sweep -k sum -b threads -t 1,2 --size 1e6 --intensity 16 --reps 5 --no-probe --no-progress)
timed_sweep a
timed_sweep b

# --- what does not depend on timing ---
expect 0 compare "$tmp/a.json" "$tmp/a.json"
has out "summary: 3 no significant change"
[ ! -s "$tmp/err" ] || fail "identical files warned"

expect 0 compare "$tmp/a.json" "$tmp/a.json" --format csv
[ "$(wc -l <"$tmp/out")" -eq 4 ] || fail "csv: expected a header and 3 lines"
has out "kernel,params,backend,threads,"
expect 0 compare "$tmp/a.json" "$tmp/a.json" --format json
python3 -c "import json,sys; d = json.load(open('$tmp/out')); sys.exit(d['exit_code'] != 0 or len(d['entries']) != 3)" ||
  fail "json document"

edit "$tmp/a.json" "$tmp/broken.json" "d['records'][-1]['verified'] = False; d['records'][-1]['detail'] = 'made up'"
expect 1 compare "$tmp/a.json" "$tmp/broken.json"
has out "failed"
has out "error: made up"

edit "$tmp/a.json" "$tmp/fewer.json" "d['records'].pop()"
expect 0 compare "$tmp/a.json" "$tmp/fewer.json"
has out "only in base"

"$parlab" run -k sum -b seq -t 1 --size 1e5 --reps 3 --no-probe --json "$tmp/three.json" >/dev/null ||
  fail "run of 3 reps"
expect 0 compare "$tmp/three.json" "$tmp/three.json"
has out "too few samples"
has err "give no p-value below 0.1"
has err "--reps 4 or more"

# Mismatched and malformed files: exit 2, one line naming the file.
"$parlab" run -k io -b threads -t 2 --tasks 2 --duration 1ms --json "$tmp/io.json" >/dev/null ||
  fail "io run"
expect 2 compare "$tmp/a.json" "$tmp/io.json"
has err "expected two results that share a measurement"
has err "has io tasks=2"
expect 2 compare "$tmp/a.json" "$tmp/missing.json"
has err "new '$tmp/missing.json': cannot read it"
echo '{"schema": 1, "machine": ' >"$tmp/cut.json"
expect 2 compare "$tmp/a.json" "$tmp/cut.json"
has err "new '$tmp/cut.json': not JSON"
edit "$tmp/a.json" "$tmp/old.json" "d.pop('schema')"
expect 2 compare "$tmp/old.json" "$tmp/a.json"
has err "base '$tmp/old.json': not a parlab result document"
edit "$tmp/a.json" "$tmp/future.json" "d['schema'] = 99"
expect 2 compare "$tmp/a.json" "$tmp/future.json"
has err "its schema is 99"
edit "$tmp/a.json" "$tmp/nosamples.json" "d['records'][0].pop('samples_s')"
expect 2 compare "$tmp/a.json" "$tmp/nosamples.json"
has err "samples_s"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a refusal is one line"
# A placement record cut short of its last field, and a machine block that is no object.
edit "$tmp/a.json" "$tmp/noshare.json" "d['records'][0].pop('pages_on_worker_nodes')"
expect 2 compare "$tmp/a.json" "$tmp/noshare.json"
has err "new '$tmp/noshare.json': not a parlab result document"
has err 'a record without "pages_on_worker_nodes"'
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a refusal is one line"
edit "$tmp/a.json" "$tmp/flatmachine.json" "d['machine'] = 'a laptop'"
expect 2 compare "$tmp/flatmachine.json" "$tmp/a.json"
has err "base '$tmp/flatmachine.json': not a parlab result document"
has err '"machine" is not an object'
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a refusal is one line"

# Bad flags: exit 2 before any file is read.
expect 2 compare "$tmp/a.json" "$tmp/a.json" --threshold -1
has err "--threshold '-1': expected a percentage of 0 or more"
expect 2 compare "$tmp/a.json" "$tmp/a.json" --alpha 0
has err "--alpha '0': expected a number above 0 and below 1"
expect 2 compare "$tmp/a.json" "$tmp/a.json" --alpha 1.5
expect 2 compare "$tmp/a.json" "$tmp/a.json" --format xml
has err "--format 'xml': expected table|csv|json"
expect 2 compare "$tmp/a.json" "$tmp/a.json" --plot "$tmp/r.pdf"
has err "expected a file name ending in .svg or .png"
PATH=/nonexistent "$parlab" compare "$tmp/a.json" "$tmp/a.json" --plot "$tmp/r.svg" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "--plot without gnuplot on PATH is not exit 2"
has err "expected gnuplot on PATH"
expect 2 compare "$tmp/a.json"

if command -v gnuplot >/dev/null; then
  expect 0 compare "$tmp/a.json" "$tmp/b.json" --plot "$tmp/r.svg" --threshold 1000
  [ -s "$tmp/r.svg" ] || fail "no plot drawn"
fi

# --- interleaved rounds: the flags refused before anything runs ---
isweep=(sweep -k sum -b threads -t 1,2 --size 1e6 --intensity 32 --reps 3 --no-probe)
expect 2 compare --base-cmd "$parlab" --new-cmd "$parlab" --rounds 1 -- "${isweep[@]}"
has err "--rounds '1': expected a whole number from 2 to 1000"
expect 2 compare --base-cmd "$parlab" --new-cmd "$parlab" -- list
has err "-- ARGS 'list': expected parlab's arguments for both commands"
expect 2 compare --base-cmd "$parlab" --new-cmd "$parlab" -- "${isweep[@]}" --json "$tmp/x.json"
has err "no --json: each round writes its own result file"
expect 2 compare --base-cmd "$parlab" -- "${isweep[@]}"
has err "--new-cmd '': expected a command that runs parlab"
expect 2 compare "$tmp/a.json" "$tmp/b.json" --seed 3
has err "--seed '3': expected only with --base-cmd and --new-cmd"
expect 2 compare --base-cmd "$parlab" --new-cmd "$parlab" --seed -4 -- "${isweep[@]}"
has err "--seed '-4': expected a whole number of 0 or more"
# A command that refuses its arguments is exit 2 with its own line; one that cannot start is 1.
expect 2 compare --base-cmd "$parlab" --new-cmd "$parlab" --rounds 2 -- sweep -k nope
has err "refused its arguments: parlab: -k/--kernel 'nope'"
expect 1 compare --base-cmd "$parlab" --new-cmd "$tmp/no-such-parlab" --rounds 2 -- "${isweep[@]}"
has err "could not start"
[ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'parlab-compare-*' -newer "$tmp/a.json" 2>/dev/null)" ] ||
  fail "an interleaved compare left its rounds' directory behind"

# --- the done criterion: interleaved rounds of the same binary are unchanged, of it squeezed
# onto one CPU (its 2-thread point then shares a core) slower. Whatever else runs falls on both
# sides of a round alike, so the same-code verdict holds on a busy machine too. ---
expect 0 compare --base-cmd "$parlab" --new-cmd "$parlab" --seed 11 -- "${isweep[@]}"
has out "interleaved: 10 rounds, each running base and new back to back in random order (--seed 11)"
has out "Wilcoxon signed-rank"
has out "noise seen: base's medians moved by up to"
has out "summary: 3 no significant change"
# The squeeze can only show where the base's 2 threads had 2 CPUs to run on: beside one busy
# process per core the scheduler moves the load off the squeezed one's CPU, and both sides end
# up with about one CPU (seen in a loaded run: 43.3 ms against 44.5 ms). So, as the lab judges
# its claims, the slower verdict is owed only when other processes kept less than 0.25 CPU busy
# meanwhile (/proc/stat's busy time, steal included, less the comparison's own CPU time); the
# exit code is checked either way.
# shellcheck source=scripts/busy.sh
source "$(dirname "$0")/../scripts/busy.sh"
before=$(busy_ticks)
TIMEFORMAT='%3R %3U %3S'
{ time "$parlab" compare --base-cmd "$parlab" --new-cmd "taskset -c 0 $parlab" --format json -- \
  "${isweep[@]}" >"$tmp/out" 2>"$tmp/err"; } 2>"$tmp/time"
code=$?
after=$(busy_ticks)
read -r wall user sys <"$tmp/time"
others=$(python3 -c "print(max(0.0, (($after - $before) / $(getconf CLK_TCK) - $user - $sys) / $wall))")
python3 - "$tmp/out" "$code" "$others" <<'PY' || fail "squeezed: exit $code; $(cat "$tmp/out")"
import json, sys
d, code, others = json.load(open(sys.argv[1])), int(sys.argv[2]), float(sys.argv[3])
two = [e for e in d["entries"] if e["backend"] == "threads" and e["threads"] == 2][0]
if others < 0.25:
    assert code == 1 and two["verdict"] == "slower", (code, others, two)
else:
    print(f"compare: the squeezed verdict not shown: other processes kept {others:.2f} CPUs "
          f"busy (at least 0.25 sets it aside); 2 threads {two['ratio']:.2f}x, exit {code}")
    assert code in (0, 1), code
assert d["exit_code"] == code and d["interleaved"]["rounds"] == 10, d
PY
if [ "$(nproc)" -ge 2 ]; then has err "usable_cpus $(nproc) -> 1"; fi
has err "a difference may be the machine's"
# Two files measured apart say that drift counts as a change there, and what avoids it (a copy
# whose every sample took twice as long: a change whatever the machine did).
edit "$tmp/a.json" "$tmp/slow.json" "[r.update(samples_s=[2 * x for x in r['samples_s']], median_s=2 * r['median_s']) for r in d['records']]"
expect 1 compare "$tmp/a.json" "$tmp/slow.json"
has err "BASE and NEW were measured at different times"
has err "--base-cmd CMD --new-cmd CMD"
echo "compare: ok"
