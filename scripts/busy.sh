# What the CPUs did, from /proc/stat, for the scripts that judge a measurement by what else ran
# meanwhile (the lab's own rule, docs/RUNNER.md): busy is user, nice, system, irq, softirq and
# steal; idle is idle and iowait. Sourced by scripts/bench.sh and the tests that need it.

# ticks: the machine's busy clock ticks so far and all of them (busy or idle), read at once.
ticks() { awk '/^cpu /{busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat; }
# busy_ticks: the machine's busy clock ticks so far.
busy_ticks() { ticks | cut -d' ' -f1; }
# busy_percent: the share of all CPUs kept busy over the next second, in whole percent.
busy_percent() {
  local b0 a0 b1 a1
  read -r b0 a0 < <(ticks)
  sleep 1
  read -r b1 a1 < <(ticks)
  echo $((100 * (b1 - b0) / (a1 - a0 > 0 ? a1 - a0 : 1)))
}
