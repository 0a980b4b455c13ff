#!/usr/bin/env bash
# The benchmark suite end to end on a tiny grid: it runs, verifies, writes Google Benchmark JSON
# that bench/summary.py reads; it waits out a large free and reports it; bad flags exit 2;
# --settle reports. Figures are not checked here: performance stays in `make bench`
# (docs/PERFORMANCE.md).
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
  'sum/forkpool/size:1000' 'baseline_sum/fork/size:1000' 'sum_compute/seq/'; do
  grep -q "\"name\": \"$name" "$tmp/bench.json" || fail "no $name in bench.json"
done
grep -q '"workers_seen"' "$tmp/bench.json" || fail "no workers_seen counter"

python3 "$src/bench/summary.py" "$tmp/bench.json" >"$tmp/summary" 2>&1 ||
  fail "summary.py exited $?: $(tail -3 "$tmp/summary")"
grep -q '^parlab bench summary' "$tmp/summary" || fail "summary has no header"
grep -q 'seq / plain loop' "$tmp/summary" || fail "summary has no seq verdict"

# 560 MB freed before the compute-bound point: the suite waits for the machine, says so on
# stderr, and leaves the wait in that benchmark's counters for the summary.
"$bench" --size_max=7e7 --rounds=1 --benchmark_min_time=0.01 \
  --benchmark_filter='^sum/seq/size:70000000/|^sum_compute/seq/' \
  --benchmark_out="$tmp/settle.json" --benchmark_out_format=json >"$tmp/out" 2>&1 ||
  fail "the settle run exited $?: $(tail -3 "$tmp/out")"
grep -q '^bench: 0.6 GB freed before sum_compute/seq/' "$tmp/out" ||
  fail "no settle line on stderr: $(grep '^bench:' "$tmp/out")"
grep -q '"settle_s"' "$tmp/settle.json" || fail "no settle_s counter in the JSON"
python3 "$src/bench/summary.py" "$tmp/settle.json" 2>&1 | grep -q 'GB freed, waited' ||
  fail "the summary does not report the wait"

out=$("$bench" --rounds=0 2>&1)
code=$?
[ "$code" -eq 2 ] || fail "--rounds=0 exited $code, not 2"
echo "$out" | grep -q -- '--rounds' || fail "--rounds=0 message does not name the flag: $out"
"$bench" --benchmark_filter='^no_such_benchmark$' >/dev/null 2>&1
[ $? -eq 2 ] || fail "a filter matching nothing did not exit 2"

out=$("$bench" --settle 2>&1) || fail "--settle exited $?"
echo "$out" | grep -Eq '^(settled|still stalling) after [0-9.]+ s: [0-9]+ stalls' ||
  fail "--settle printed: $out"

[ "$failures" -eq 0 ] && echo "bench: all checks passed"
exit $((failures > 0))
