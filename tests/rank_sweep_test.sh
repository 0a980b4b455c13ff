#!/usr/bin/env bash
# `parlab sweep --ranks`: one mpirun job per rank count, one merged report (table, CSV, JSON,
# plot) with the seq baseline measured by the launching parlab, fits over ranks x threads, the
# launcher's flags added and said (--allow-run-as-root as root, --oversubscribe past the cores),
# the binding in every record, --weak growing the size per rank; a job that fails is a failed
# record and exit 1, --timeout leaves no rank behind, and bad --ranks/--launcher values are exit 2.
# usage: tests/rank_sweep_test.sh path/to/parlab
set -u
parlab=$1
# The launcher must add these itself: nothing in the environment may do it for it.
unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_rmaps_base_oversubscribe
export OMPI_MCA_btl=self,vader
tmp=$(mktemp -d)
trap 'pkill -9 -f -- "--rank-job" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
passes=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
ok() { passes=$((passes + 1)); }
check() {  # check NAME PYTHON-ASSERTIONS-ON-d (the JSON document)
  if python3 - "$tmp/j.json" "$2" <<'PY' 2>"$tmp/py"; then ok; else fail "$1: $(tail -2 "$tmp/py")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
recs = d["records"]
# What the launcher counts as this machine's cores (runners/rank_jobs.cpp): the usable CPUs in
# whole cores. The binding and the oversubscription expected follow from it on any machine.
m = d["machine"]
topo, usable = m["topology"], m["usable_cpus"]
cores = max(1, usable * topo["cores"] // topo["pus"]) if 0 < topo["cores"] <= topo["pus"] else usable
def binding(ranks, most_threads):
    if ranks * most_threads <= cores:
        return "--map-by slot:PE=%d --bind-to core" % most_threads
    return "--bind-to none"
exec(sys.argv[2])
PY
}

# Strong scaling over 1, 2 and 3 ranks of two backends; 3 ranks oversubscribe 2 cores.
timeout 300 "$parlab" sweep -k sum -b mpi,mpi+omp --ranks 1,2,3 -t 1 --size 1e6 --reps 2 \
  --no-progress --json "$tmp/j.json" --csv "$tmp/c.csv" --plot "$tmp/p.svg" >"$tmp/out" 2>"$tmp/err"
code=$?
[ "$code" -eq 0 ] && ok || fail "strong: exit $code: $(tail -3 "$tmp/err")"
check "strong: one report" '
assert [r["backend"] for r in recs] == ["seq"] + ["mpi", "mpi+omp"] * 3, [r["backend"] for r in recs]
assert all(r["verified"] for r in recs), [r["detail"] for r in recs]
assert [r["ranks"] for r in recs[1:]] == [1, 1, 2, 2, 3, 3], [r["ranks"] for r in recs]
assert all(r["total_workers"] == r["ranks"] * r["threads"] for r in recs)
assert all(r["speedup"] > 0 for r in recs), [r["speedup"] for r in recs]
assert [f["backend"] for f in d["fits"]] == ["mpi", "mpi+omp"], d["fits"]
# The models leave out the oversubscribed rank counts: a fit needs 3 within the cores.
assert all(f["usable_points"] == sum(n <= cores for n in (1, 2, 3)) for f in d["fits"]), (d["fits"], cores)
assert all((f["amdahl_serial_fraction"] is not None) == (f["usable_points"] >= 3) for f in d["fits"]), d["fits"]
assert d["config"]["ranks"] == [1, 2, 3] and d["config"]["launcher"] == "mpirun"
assert [r["oversubscribed"] for r in recs[1::2]] == [n > cores for n in (1, 2, 3)], (recs, cores)
assert [r["binding"] for r in recs[1::2]] == [binding(n, 1) for n in (1, 2, 3)], recs
'
[ "$(grep -c ',true,' "$tmp/c.csv")" -eq 7 ] && ok || fail "strong: CSV rows: $(cat "$tmp/c.csv")"
[ -s "$tmp/p.svg" ] && grep -q "workers (ranks x threads)" "$tmp/p.svg" && ok ||
  fail "strong: the plot is not over workers"
# Said exactly when 3 ranks are more than the cores (2 here, as on the CI machine).
said=$(grep -c -- "--oversubscribe: 3 ranks on" "$tmp/err")
check "strong: --oversubscribe said when needed" "assert ($said == 1) == (3 > cores), ($said, cores)"
if [ "$(id -u)" -eq 0 ]; then
  [ "$(grep -c -- "--allow-run-as-root" "$tmp/err")" -eq 1 ] && ok ||
    fail "strong: --allow-run-as-root not said once: $(cat "$tmp/err")"
fi
grep -q "3 ranks x 1 = 3 workers" "$tmp/out" && ok || fail "strong: the table lacks the ranks line"

# Hybrid ranks x threads: each rank keeps its threads' cores while they fit.
timeout 300 "$parlab" sweep -k sum -b mpi+omp --ranks 1,2 -t 1,2 --size 1e6 --reps 2 \
  --no-progress --format json -o "$tmp/j.json" 2>"$tmp/err"
code=$?
[ "$code" -eq 0 ] && ok || fail "hybrid: exit $code: $(tail -3 "$tmp/err")"
check "hybrid: ranks x threads" '
pts = [(r["ranks"], r["threads"], r["total_workers"]) for r in recs[1:]]
assert pts == [(1, 1, 1), (1, 2, 2), (2, 1, 2), (2, 2, 4)], pts
assert [r["binding"] for r in recs[1:]] == [binding(r["ranks"], 2) for r in recs[1:]], recs
assert all(r["verified"] and r["threads_per_rank"] == r["threads"] for r in recs)
'

# Weak: the size is per worker, so a job of r ranks x t threads sums size x r x t.
timeout 300 "$parlab" sweep -k sum -b mpi+omp --ranks 1,2 -t 1,2 --size 100000 --reps 2 --weak \
  --no-progress --format json -o "$tmp/j.json" 2>"$tmp/err"
code=$?
[ "$code" -eq 0 ] && ok || fail "weak: exit $code: $(tail -3 "$tmp/err")"
check "weak: size per worker" '
for r in recs[1:]:
    want = "size=%d " % (100000 * r["ranks"] * r["threads"])
    assert r["params"].startswith(want), (r["params"], want)
assert all(r["verified"] for r in recs)
assert d["fits"][0]["gustafson_serial_fraction"] is not None, d["fits"]
'

# A job that cannot start (a transport that does not exist) is a failed record each, exit 1.
OMPI_MCA_btl=nonesuch timeout 120 "$parlab" sweep -k sum -b mpi --ranks 2 -t 1 --size 1000 \
  --reps 1 --no-progress --format json -o "$tmp/j.json" >/dev/null 2>"$tmp/err"
code=$?
[ "$code" -eq 1 ] && ok || fail "failed job: exit $code"
check "failed job: a failed record" '
assert recs[0]["backend"] == "seq" and recs[0]["verified"]
assert len(recs) == 2 and not recs[1]["verified"] and recs[1]["ranks"] == 2, recs[1:]
assert "2 ranks: mpirun exited with" in recs[1]["detail"], recs[1]["detail"]
'

# --timeout during a job: exit 1 in time, and no rank is left.
start=$(date +%s)
timeout 120 "$parlab" sweep -k io -b mpi --ranks 2 -t 1 --tasks 2 --duration 20s --reps 1 \
  --timeout 4s --no-progress >/dev/null 2>"$tmp/err"
code=$?
took=$(( $(date +%s) - start ))
[ "$code" -eq 1 ] && [ "$took" -le 12 ] && ok || fail "timeout: exit $code after $took s"
sleep 2
pgrep -f -- "--rank-job" >/dev/null && fail "timeout: a rank was left behind" || ok

# Bad input: one line, exit 2, before any job starts.
refused() {  # refused NAME EXPECTED-TEXT ARGS...
  local name=$1 want=$2
  shift 2
  env PATH="${path_for_parlab:-$PATH}" "$parlab" sweep "$@" >/dev/null 2>"$tmp/err"
  local c=$?
  [ "$c" -eq 2 ] && grep -qF -- "$want" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ] && ok ||
    fail "$name: exit $c: $(cat "$tmp/err")"
}
refused "ranks 0" "--ranks '0'" -k sum -b mpi --ranks 0
refused "ranks word" "--ranks 'two'" -k sum -b mpi --ranks two
refused "ranks on omp" "omp runs in this process" -k sum -b mpi,omp --ranks 2
refused "ranks without -b" "-b naming backends that run as MPI ranks" -k sum --ranks 2
refused "launcher bogus" "--launcher 'qsub': expected mpirun|srun" -k sum -b mpi --ranks 2 --launcher qsub
refused "launcher alone" "--launcher 'mpirun': expected --ranks as well" -k sum -b mpi --launcher mpirun
refused "ranks counter" "whose work does not split by index" -k counter -b mpi --ranks 1,2
refused "ranks staged" "--cpu-on 'fork'" -k mixed -b mpi --ranks 2 --cpu-on fork
mkdir -p "$tmp/bin" && ln -s "$(command -v mpirun)" "$tmp/bin/mpirun"
path_for_parlab="$tmp/bin" refused "srun missing" "--launcher 'srun': expected a launcher on PATH" \
  -k sum -b mpi --ranks 2 --launcher srun

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
