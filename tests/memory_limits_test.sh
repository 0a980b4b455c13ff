#!/usr/bin/env bash
# A size that does not fit the memory this process can get is refused (exit 2) with the largest
# that fits, and that largest runs: under RLIMIT_AS (prlimit --as) and, as root where a memory
# cgroup can be made, under a cgroup's memory limit. Not under ASan, whose shadow memory needs
# terabytes of address space (ctest label rlimit_as). Usage: memory_limits_test.sh PARLAB
set -u
parlab=$1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check NAME PREFIX...: --size 1e9 (8 GB) refused under PREFIX, naming the largest that fits;
# that largest itself runs and verifies under the same limit (the boundary, not a size below it).
check() {
  local name=$1 err largest
  shift
  err=$("$@" "$parlab" run -k sum -b threads -t 2 --size 1e9 --no-probe 2>&1 >/dev/null)
  local rc=$?
  [ $rc -eq 2 ] || { fail "$name: exit $rc, expected 2: $err"; return; }
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$name: more than one line: $err"
  largest=$(printf '%s' "$err" | sed -n "s/^parlab: --size '1e9': expected at most \([0-9]*\): .*/\1/p")
  [ -n "$largest" ] || { fail "$name: no largest size in: $err"; return; }
  local out
  out=$("$@" "$parlab" run -k sum -b threads -t 2 --size "$largest" --reps 1 --no-probe \
    --format csv 2>&1 >/dev/null) || fail "$name: --size $largest (the largest named) failed: $out"
  echo "$name: refused 1e9, at most $largest; $largest ran"
}

check "RLIMIT_AS 2 GB" prlimit --as=2000000000

# A cgroup of its own with a 600 MB limit (v1 or v2), this shell moved into it and out again.
group=""
if [ "$(id -u)" -eq 0 ]; then
  if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
    group=/sys/fs/cgroup/parlab-memtest-$$ limit=memory.max
  elif [ -d /sys/fs/cgroup/memory ]; then
    group=/sys/fs/cgroup/memory/parlab-memtest-$$ limit=memory.limit_in_bytes
  fi
fi
if [ -n "$group" ] && mkdir "$group" 2>/dev/null && echo 600000000 >"$group/$limit" 2>/dev/null; then
  in_group() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$group" "$@"; }
  check "cgroup $limit 600 MB" in_group
  rmdir "$group" 2>/dev/null || { sleep 0.5; rmdir "$group"; }
else
  [ -n "$group" ] && rmdir "$group" 2>/dev/null
  echo "memory_limits: skipped the cgroup part (needs root and a memory cgroup it can create)"
fi
[ $fails -eq 0 ] && echo "memory_limits: ok"
exit $((fails > 0))
