#!/usr/bin/env bash
# Does `parlab compare`'s default tell a regression from the weather on this machine? TRIES
# interleaved comparisons of the same binary must say unchanged (exit 0), and TRIES of it against
# itself squeezed onto one CPU (`taskset -c 0`, so that its 2-thread points share a core) must
# say slower (exit 1). Prints each try's exit and the largest drift it saw, then a tally; exits 1
# unless every try gave the expected code. docs/RUNNER.md quotes its figures.
#   scripts/compare-noise.sh [PARLAB] [TRIES]
set -u
parlab=$(realpath "${1:-build/parlab}")
tries=${2:-10}
args=(sweep -k sum -b threads -t 1,2 --size 2e6 --intensity 32 --reps 3 --no-probe)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one NAME NEW_CMD EXPECTED: one try; prints "NAME exit CODE, drift up to P%, t=2 ratio R".
one() {
  "$parlab" compare --base-cmd "$parlab" --new-cmd "$2" --format json -- "${args[@]}" \
    >"$tmp/out.json" 2>"$tmp/err"
  local code=$?
  python3 - "$tmp/out.json" "$1" "$code" "$3" <<'PY'
import json, sys
path, name, code, expected = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
try:
    d = json.load(open(path))
except ValueError:
    print(f"{name}: exit {code}, no report"); sys.exit(1)
drift = max((e["drift"] or 0) for e in d["entries"])
two = [e["ratio"] for e in d["entries"] if e["threads"] == 2]
mark = "" if code == expected else f"   <- expected exit {expected}"
print(f"{name}: exit {code}, base drift up to {drift * 100:.1f}%, t=2 ratio {two[0]:.3f}{mark}")
sys.exit(code != expected)
PY
}

bad=0
for i in $(seq "$tries"); do
  one "same-code $i" "$parlab" 0 || bad=$((bad + 1))
  one "squeezed  $i" "taskset -c 0 $parlab" 1 || bad=$((bad + 1))
done
echo "compare-noise: $((2 * tries - bad)) of $((2 * tries)) tries gave the expected exit code"
[ "$bad" -eq 0 ]
