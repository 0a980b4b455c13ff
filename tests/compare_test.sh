#!/usr/bin/env bash
# `parlab compare` end to end: exit codes, formats, refusals, and the done criterion: two sweeps of
# the same code compare with exit 0, and the same sweep run under `taskset -c 0`, whose 2-thread
# points then share one CPU, compares as slower with exit 1.
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

# The CPU time the whole machine spent busy (steal included: the hypervisor's other guests), in
# clock ticks, from /proc/stat.
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# timed_sweep NAME [PREFIX...]: the sweep into $tmp/NAME.json; $tmp/NAME.others gets the CPUs
# that other processes kept busy meanwhile, on average (the machine's busy time less parlab's).
timed_sweep() {
  local name=$1 before after
  shift
  before=$(busy_ticks)
  TIMEFORMAT='%3R %3U %3S'
  { time "$@" "$parlab" "${sweep[@]}" --json "$tmp/$name.json" >/dev/null 2>&1; } 2>"$tmp/$name.time" ||
    fail "sweep $name"
  after=$(busy_ticks)
  read -r wall user sys <"$tmp/$name.time"
  python3 -c "print(max(0.0, (($after - $before) / $(getconf CLK_TCK) - $user - $sys) / $wall))" \
    >"$tmp/$name.others"
}

# A compute-bound sum: on 2 free CPUs, 2 threads take half the time of one.
sweep=(sweep -k sum -b threads -t 1,2 --size 2e6 --intensity 16 --reps 5 --no-probe --no-progress)
timed_sweep a
timed_sweep b
timed_sweep slow taskset -c 0

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

# --- the done criterion, which needs the 2 CPUs free while the unpinned sweeps ran: another
# process's load, changing from one sweep to the next, moves their times by more than 5% ---
# A passing load is waited out: the sweeps are taken again, up to three times in all, before the
# test counts itself skipped.
quiet() {
  python3 - "$tmp" <<'PY'
import json, sys
for name in ("a", "b"):
    others = float(open(f"{sys.argv[1]}/{name}.others").read())
    r = {x["threads"]: x for x in json.load(open(f"{sys.argv[1]}/{name}.json"))["records"]
         if x["backend"] == "threads"}
    speedup = r[1]["median_s"] / r[2]["median_s"]
    if others > 0.1 or speedup < 1.6:
        print(f"compare: during sweep {name} other processes kept {others:.2f} CPUs busy and 2 "
              f"threads ran {speedup:.2f}x faster than 1: the machine was not quiet")
        sys.exit(1)
PY
}
for attempt in 1 2 3; do
  quiet && break
  if [ "$attempt" -eq 3 ]; then
    echo "SKIP: not quiet in 3 attempts, so this machine cannot show whether compare tells the" \
      "same code from a slower run"
    exit 77
  fi
  sleep 2
  timed_sweep a
  timed_sweep b
  timed_sweep slow taskset -c 0
done
# A threshold of 25%: two sweeps of the same code, one after the other on a shared VM, were seen
# 5.7% apart with p < 0.01 (a neighbour's load that /proc/stat's steal does not show), while the
# 2-thread point under taskset takes about twice as long: 25% sits 4x under that effect.
# Even so, a neighbour's load that /proc/stat does not show can come and go between two sweeps
# (seen once in a fresh-clone CI: seq 1.30x, p 0.008, the threads points unchanged). The second
# sweep is then taken again, at most twice, before the difference counts as compare's failure.
for again in 1 2; do
  "$parlab" compare "$tmp/a.json" "$tmp/b.json" --threshold 25 >/dev/null 2>&1 && break
  echo "compare: two sweeps of the same code differed beyond 25%: sweep b again ($again of 2)"
  timed_sweep b
done
expect 0 compare "$tmp/a.json" "$tmp/b.json" --threshold 25
expect 1 compare "$tmp/a.json" "$tmp/slow.json" --threshold 25
grep -E '^  threads +2 .* slower' "$tmp/out" >/dev/null || fail "the 2-thread point is not slower"
if [ "$(nproc)" -ge 2 ]; then has err "usable_cpus $(nproc) -> 1"; fi
has err "a difference may be the machine's"
echo "compare: ok"
