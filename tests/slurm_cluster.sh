# shellcheck shell=bash
# A throwaway one-node Slurm cluster for the tests, sourced by them (tests/slurm_test.sh).
# Everything lives under one directory: munged with its own key and socket, slurmctld and
# slurmd on private ports with their state, spool, pid files and logs, and a slurm.conf that
# the client commands find through SLURM_CONF. A machine's own munged or Slurm, if any, is
# neither used nor disturbed.
#
#   cluster_start DIR CPUS  start it (the node declares CPUS, more than it has if need be);
#                           exits 77 with one line when it cannot run here
#   cluster_run CMD...      run CMD as part of the cluster (sbatch, srun: their jobs too)
#   cluster_stop            cancel the jobs, stop the daemons (SIGTERM, SIGKILL after 10 s),
#                           kill what is left of the cluster; fails when anything was
#   cluster_idle_after      seconds from cluster_start to an idle node, once started
#   wait_for SECONDS CMD... poll CMD every 0.1 s until it succeeds; fails after SECONDS

cluster_pids=()
cluster_dir=""
cluster_idle_after=""

wait_for() {
  local deadline
  deadline=$(($(date +%s%N) + $1 * 1000000000))
  shift
  until "$@"; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# Every process of the cluster carries this in its environment, the job's ranks included (sbatch
# passes its environment on): cluster_stop finds what is left by it, not by a name. The daemons
# start as `env "$cluster_mark" DAEMON &`, so that $! is the daemon itself (env execs it).
cluster_mark=""
cluster_run() { env "$cluster_mark" "$@"; }

cluster_skip() {
  echo "SKIP slurm: $*"
  exit 77
}

cluster_start() {
  cluster_dir=$1
  cluster_mark=PARLAB_SLURM_CLUSTER=$cluster_dir
  local cpus=$2 started c
  started=$(date +%s%N)
  [ "$(id -u)" -eq 0 ] || cluster_skip "not root (slurmd and SlurmUser=root need it)"
  for c in munged slurmctld slurmd sbatch srun sinfo squeue scancel python3; do
    command -v "$c" >/dev/null ||
      cluster_skip "$c not found (scripts/install-deps.sh installs munge slurmctld slurmd slurm-client)"
  done
  # slurmd 22.05 initialises its cgroup plugin whatever ProctrackType and TaskPlugin say.
  awk '$2 ~ "^/sys/fs/cgroup" { found = 1 } END { exit !found }' /proc/mounts ||
    cluster_skip "no cgroup filesystem at /sys/fs/cgroup (slurmd needs one; in a chroot: mount --rbind /sys)"
  # munged refuses a socket in a directory that not everyone may enter.
  chmod 755 "$cluster_dir"
  mkdir -m 700 "$cluster_dir/munge"
  mkdir -m 755 "$cluster_dir/run" "$cluster_dir/state" "$cluster_dir/spool" "$cluster_dir/log" \
    "$cluster_dir/tmp"
  cluster_start_munged
  local ports
  ports=$(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])' 2>/dev/null) || cluster_skip "no free port"
  # shellcheck disable=SC2086
  cluster_write_conf "$cpus" $ports
  export SLURM_CONF=$cluster_dir/slurm.conf
  grep -qw pmix <<<"$(srun --mpi=list 2>/dev/null)" || cluster_skip "Slurm's mpi/pmix plugin is missing"
  env "$cluster_mark" slurmctld -D >"$cluster_dir/log/slurmctld.out" 2>&1 &
  cluster_pids+=($!)
  env "$cluster_mark" slurmd -D >"$cluster_dir/log/slurmd.out" 2>&1 &
  cluster_pids+=($!)
  wait_for 30 cluster_node_settled
  if ! cluster_node_idle; then
    echo "FAIL slurm: the node is not idle: $(sinfo -h -o '%T %E' 2>&1 | head -1) (logs: DIR/log)"
    return 1
  fi
  # shellcheck disable=SC2034  # read by the tests that source this
  cluster_idle_after=$(cluster_seconds_since "$started")
}

cluster_seconds_since() {
  local ms=$((($(date +%s%N) - $1) / 1000000))
  printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}

cluster_node_idle() { [ "$(sinfo -h -n "$cluster_host" -o %T 2>/dev/null)" = idle ]; }
# Idle, or a daemon died (its log says why): either way, waiting longer tells nothing more.
cluster_node_settled() {
  cluster_node_idle || ! cluster_alive "${cluster_pids[1]}" || ! cluster_alive "${cluster_pids[2]}"
}

cluster_start_munged() {
  local m=$cluster_dir/munge
  mungekey -c -k "$m/munge.key" 2>/dev/null ||
    dd if=/dev/urandom of="$m/munge.key" bs=1024 count=1 status=none
  chmod 400 "$m/munge.key"
  env "$cluster_mark" munged -F --socket="$cluster_dir/run/munge.sock" --key-file="$m/munge.key" \
    --pid-file="$cluster_dir/run/munged.pid" --seed-file="$m/seed" \
    --log-file="$cluster_dir/log/munged.log" >"$cluster_dir/log/munged.out" 2>&1 &
  cluster_pids+=($!)
  wait_for 10 cluster_munged_settled
  [ -S "$cluster_dir/run/munge.sock" ] ||
    cluster_skip "munged will not start: $(tail -1 "$cluster_dir/log/munged.out")"
}

# SlurmdParameters=config_overrides lets the node declare more CPUs than it has: 3 ranks of 2
# threads on a 2-core machine would otherwise queue forever. NodeAddr and the controller's
# address are the loopback, so a host name that does not resolve does not matter. TmpFS is
# private: mpi/pmix leaves spmix_appdir_<uid>_<job>.<step> there after a killed step, and job
# numbers start at 1 in every new cluster. batch_sched_delay=0 schedules a batch job within a
# second instead of 3 s, and MinJobAge=4 keeps `sbatch --wait` polling every 2 s instead of
# 2, 8, 32 s (docs/PITFALLS.md).
cluster_write_conf() {
  local cpus=$1 ctld_port=$2 slurmd_port=$3 d=$cluster_dir
  cluster_host=$(hostname -s)
  cat >"$d/slurm.conf" <<CONF
ClusterName=parlabtest
SlurmctldHost=$cluster_host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/run/munge.sock
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
TmpFS=$d/tmp
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=4
SchedulerParameters=batch_sched_delay=0
NodeName=$cluster_host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$cluster_host Default=YES MaxTime=10 State=UP
CONF
}

# Up (its socket is there) or gone: either way, waiting longer tells nothing more.
cluster_munged_settled() {
  [ -S "$cluster_dir/run/munge.sock" ] || ! cluster_alive "${cluster_pids[0]}"
}

cluster_no_jobs() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }
cluster_gone() { ! cluster_alive "$1"; }
cluster_alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }

# The processes of the cluster still running, found by the variable cluster_run sets.
cluster_leftovers() {
  local e pid
  for e in /proc/[0-9]*/environ; do
    pid=${e#/proc/}
    pid=${pid%/environ}
    grep -qzxF "$cluster_mark" "$e" 2>/dev/null && cluster_alive "$pid" && echo "$pid"
  done
}

# SIGTERM, then SIGKILL after 10 s; says so when it came to that.
cluster_terminate() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "$@"; do
    if ! wait_for 10 cluster_gone "$pid"; then
      echo "slurm: $(cat "/proc/$pid/comm" 2>/dev/null) ($pid) ignored SIGTERM for 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  done
}

cluster_stop() {
  [ -n "$cluster_dir" ] || return 0
  local left pid
  if [ ${#cluster_pids[@]} -gt 1 ]; then
    scancel --quiet --user="$(id -un)" 2>/dev/null
    wait_for 10 cluster_no_jobs ||
      echo "slurm: jobs still listed 10 s after scancel: $(squeue -h -o '%i %T' 2>&1 | head -3)"
  fi
  # slurmd and slurmctld first: they need munged to say goodbye.
  [ ${#cluster_pids[@]} -gt 1 ] && cluster_terminate "${cluster_pids[@]:1}"
  [ ${#cluster_pids[@]} -gt 0 ] && cluster_terminate "${cluster_pids[0]}"
  cluster_pids=()
  left=$(cluster_leftovers)
  [ -z "$left" ] && return 0
  for pid in $left; do
    echo "FAIL slurm: left running after the cluster stopped: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    kill -KILL "$pid" 2>/dev/null
  done
  return 1
}
