# What the CPUs did, from /proc/stat, for the scripts that judge a measurement by what else ran
# meanwhile (the lab's own rule, docs/RUNNER.md): busy is user, nice, system, irq, softirq and
# steal; idle is idle and iowait. Sourced by scripts/bench.sh and the tests that need it.

# busy_ticks: the machine's busy clock ticks so far.
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# all_ticks: the machine's clock ticks so far, busy or idle.
all_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# busy_percent: the share of all CPUs kept busy over the next second, in whole percent.
busy_percent() {
  local b0 a0 b1 a1
  b0=$(busy_ticks) a0=$(all_ticks)
  sleep 1
  b1=$(busy_ticks) a1=$(all_ticks)
  echo $((100 * (b1 - b0) / (a1 - a0 > 0 ? a1 - a0 : 1)))
}
