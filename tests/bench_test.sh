#!/usr/bin/env bash
# The benchmark suite end to end on a tiny grid: it runs, verifies, writes Google Benchmark JSON
# that bench/summary.py reads (forkpool judged against the hand-written process pool, huge-page
# coverage, the LLC from the run's machine block or a line saying it is missing, spawn beside its
# hand-written loops, the GIL claims, backend traits from the run); its order keeps every timed
# group out of the window after a large free; bad flags exit 2; --settle reports. Figures are
# not checked here: performance stays in `make bench` (docs/PERFORMANCE.md).
# usage: tests/bench_test.sh PARLAB_BENCH SOURCE_DIR
set -uo pipefail
bench=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$bench" --size_max=1e4 --rounds=1 --benchmark_min_time=0.01 \
  --benchmark_filter='^(sum|baseline_sum|bandwidth_probe)/.*size:1000/|^sum_compute/seq/' \
  --benchmark_out="$tmp/bench.json" --benchmark_out_format=json >"$tmp/out" 2>&1 ||
  fail "the tiny suite exited $?: $(tail -3 "$tmp/out")"
grep -q '"error_occurred": true' "$tmp/bench.json" && fail "a benchmark reported an error"
for name in 'sum/seq/size:1000' 'baseline_sum/plain/size:1000' 'bandwidth_probe/size:1000' \
  'sum/forkpool/size:1000' 'baseline_sum/fork/size:1000' 'baseline_sum/procpool/size:1000' \
  'sum_compute/seq/'; do
  grep -q "\"name\": \"$name" "$tmp/bench.json" || fail "no $name in bench.json"
done
grep -q '"workers_seen"' "$tmp/bench.json" || fail "no workers_seen counter"
# Every engine, baseline and probe benchmark says how much of its data is in huge pages.
python3 - "$tmp/bench.json" <<'PY' || fail "benchmarks without huge_fraction"
import json, sys
doc = json.load(open(sys.argv[1]))
missing = [b["name"] for b in doc["benchmarks"] if "huge_fraction" not in b]
sys.exit(f"no huge_fraction: {missing}" if missing else 0)
PY

python3 "$src/bench/summary.py" "$tmp/bench.json" >"$tmp/summary" 2>&1 ||
  fail "summary.py exited $?: $(tail -3 "$tmp/summary")"
# A value just under its target is a miss, printed with the digits that show it.
python3 - "$src/bench/summary.py" <<'PY' || fail "a value just under its target did not print as a miss"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("summary", sys.argv[1])
s = importlib.util.module_from_spec(spec)
spec.loader.exec_module(s)
assert s.check("x", 0.9497, 0.95) == "  [MISSED] x: 0.9497 (target >= 0.95)", s.check("x", 0.9497, 0.95)
assert s.check("x", 0.9503, 0.95) == "  [met] x: 0.950 (target >= 0.95)"
assert s.check("x", 1.50004, 1.5, higher=False) == "  [MISSED] x: 1.50004 (target <= 1.5)"
PY
# The tally counts what the lines above it say (a miss is listed again under it).
met=$(grep -c '^  \[met\]' "$tmp/summary")
missed=$(($(grep -c '^  \[MISSED\]' "$tmp/summary") / 2))
grep -q "^Targets: $met met, $missed missed, of $((met + missed)) judged" "$tmp/summary" ||
  fail "no tally of $met met and $missed missed: $(grep '^Targets:' "$tmp/summary")"
grep -q '^parlab bench summary' "$tmp/summary" || fail "summary has no header"
grep -q 'seq / plain loop' "$tmp/summary" || fail "summary has no seq verdict"
grep -q 'per-call overhead forkpool@1 / own baseline (procpool)' "$tmp/summary" ||
  fail "forkpool's per-call target is not against the process pool"
grep -Eq '^1e3 +[0-9]+%' "$tmp/summary" || fail "summary has no huge-page line for 1e3"

# The LLC comes from the machine block the run recorded, not Google Benchmark's guess or a
# default; without one the summary says so and classes nothing as LLC or DRAM.
edit() { python3 -c "import json,sys; d=json.load(open('$tmp/bench.json')); c=d['context']; $1; json.dump(d,open('$tmp/edited.json','w'))"; }
edit "c.pop('caches', None); c['parlab_topology']=json.dumps({'caches':[{'level':3,'size_bytes':1<<20,'count':2}]})"
python3 "$src/bench/summary.py" "$tmp/edited.json" | grep -q ', LLC 2 MiB,' ||
  fail "the LLC is not the machine block's 2 x 1 MiB"
edit "c.pop('parlab_topology', None)"
python3 "$src/bench/summary.py" "$tmp/edited.json" >"$tmp/summary" 2>&1
grep -q 'no last-level cache size in the run' "$tmp/summary" ||
  fail "a run with no LLC size does not say so: $(sed -n 2p "$tmp/summary")"
grep -q 'LLC 32 MiB' "$tmp/summary" && fail "the summary still guesses 32 MiB"

# Issue 10's benchmarks: spawn beside the hand-written loops, the GIL claims; the summary prints
# their target lines, from backend traits it reads in the run's context.
"$bench" --rounds=1 --benchmark_min_time=0.01 \
  --benchmark_filter='^(baseline_)?spawn/|^(sum_gil|sum_nogil|io_gil)/' \
  --benchmark_out="$tmp/lessons.json" --benchmark_out_format=json >"$tmp/out" 2>&1 ||
  fail "the lesson benchmarks exited $?: $(tail -3 "$tmp/out")"
grep -q '"error_occurred": true' "$tmp/lessons.json" && fail "a lesson benchmark reported an error"
for name in 'baseline_spawn/threads/round:0/threads:2/' 'baseline_spawn/fork/round:0/threads:8/' \
  'spawn/threads/round:0/threads:8/' 'sum_gil/threads/' 'sum_nogil/fork/' 'io_gil/threads/'; do
  grep -q "\"name\": \"$name" "$tmp/lessons.json" || fail "no $name in the lesson benchmarks"
done
grep -q '"spawn_us_per_worker"' "$tmp/lessons.json" || fail "no spawn_us_per_worker counter"
grep -q '"gil_held"' "$tmp/lessons.json" || fail "no gil_held counter"
python3 "$src/bench/summary.py" "$tmp/lessons.json" >"$tmp/summary" 2>&1 ||
  fail "summary.py on the lesson benchmarks exited $?: $(tail -3 "$tmp/summary")"
for line in 'spawn threads@2 per worker / by hand \(threads\)' \
  'spawn fork@8 per worker / by hand \(fork\)' '--gil sum, threads: 2 workers gain over 1' \
  '--gil sum, threads: cost at 1 worker' "--gil sum, fork: 2 workers' gain under --gil / without" \
  '--gil io, threads: 3 waits on 3 workers'; do
  grep -Eq -- "^  \[(met|MISSED)\] $line" "$tmp/summary" || fail "no target line: $line"
done
# Without the backends' traits the summary says so instead of guessing from names.
python3 -c "import json; d=json.load(open('$tmp/lessons.json')); d['context'].pop('parlab_backends'); json.dump(d,open('$tmp/no_traits.json','w'))"
python3 "$src/bench/summary.py" "$tmp/no_traits.json" >"$tmp/summary" 2>&1 ||
  fail "summary.py without traits exited $?: $(tail -3 "$tmp/summary")"
grep -q 'no backend traits in the run' "$tmp/summary" || fail "a run with no traits does not say so"
grep -q -- '--gil sum, threads' "$tmp/summary" && fail "GIL targets judged without traits"

# The suite's order: the compute-bound point runs before the 560 MB array exists, and nothing
# timed follows that array's free, so the suite never waits for the machine to settle.
"$bench" --size_max=7e7 --rounds=1 --benchmark_min_time=0.01 \
  --benchmark_filter='^sum/seq/size:70000000/|^sum_compute/seq/' \
  --benchmark_out="$tmp/order.json" --benchmark_out_format=json >"$tmp/out" 2>&1 ||
  fail "the order run exited $?: $(tail -3 "$tmp/out")"
grep -q 'GB freed before' "$tmp/out" && fail "a timed benchmark followed a large free: $(grep '^bench:' "$tmp/out")"
python3 -c "
import json, sys
names = [b['name'] for b in json.load(open('$tmp/order.json'))['benchmarks']]
compute = min(i for i, n in enumerate(names) if n.startswith('sum_compute/'))
big = min(i for i, n in enumerate(names) if n.startswith('sum/seq/size:70000000/'))
sys.exit(0 if compute < big else 1)" || fail "the memory-bound sum ran before the compute-bound one"

out=$("$bench" --rounds=0 2>&1)
code=$?
[ "$code" -eq 2 ] || fail "--rounds=0 exited $code, not 2"
echo "$out" | grep -q -- '--rounds' || fail "--rounds=0 message does not name the flag: $out"
"$bench" --benchmark_filter='^no_such_benchmark$' >/dev/null 2>&1
[ $? -eq 2 ] || fail "a filter matching nothing did not exit 2"

out=$("$bench" --settle 2>&1) || fail "--settle exited $?"
echo "$out" | grep -Eq '^(settled|still stalling) after [0-9.]+ s: [0-9]+ stalls' ||
  fail "--settle printed: $out"

# The process backends against hand-written programs run as processes of their own, on a tiny
# size: each ratio and target is printed, met or MISSED.
build=$(cd "$(dirname "$bench")/.." && pwd)
out=$(BENCH_PAIRS=2 BENCH_FORK_SIZE=1e5 BENCH_COUNTER_INCREMENTS=1e6 python3 "$src/scripts/bench_processes.py" "$build" 2>&1) ||
  fail "bench_processes.py exited $?: $out"
[ "$(echo "$out" | grep -cE '^  \[(met|MISSED)\] ')" -eq 3 ] || fail "bench_processes.py printed: $out"
grep -Eq "fork's price per worker / fork\(\)\+waitpid\(\): [0-9.]+ \[" <<<"$out" ||
  fail "no price ratio in: $out"

[ "$failures" -eq 0 ] && echo "bench: all checks passed"
exit $((failures > 0))
