#pragma once
// How many threads or processes this process may still start. Linux counts both as tasks
// against three limits: the cgroup's pids.max, RLIMIT_NPROC (per user, of which root is free)
// and kernel.threads-max. `-t 4096` on fork is 4,096 processes: past any of these, fork() or
// pthread_create() fails midway through a run; the runner refuses such a count up front.
#include <cstddef>
#include <limits>

namespace parlab::runner {

// What the limits were when read; `none` where a limit does not apply.
struct task_limits {
  static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::size_t pids_max = none, pids_current = 0;      // the cgroup's
  std::size_t nproc_limit = none, user_tasks = 0;     // RLIMIT_NPROC and the user's tasks
  std::size_t threads_max = none, tasks_running = 0;  // kernel.threads-max and all tasks now
};

// This process's limits, read from /sys/fs/cgroup, getrlimit and /proc.
task_limits read_task_limits();

// How many more tasks the limits leave; task_limits::none when none applies.
std::size_t tasks_left(const task_limits& l);

}  // namespace parlab::runner
