#include "runners/task_limits.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "runners/cgroup.hpp"

namespace parlab::runner {
namespace {

// The tasks of user `uid` now: each process's "Threads:" line in /proc, the count the kernel
// holds against RLIMIT_NPROC.
std::size_t tasks_of_user(uid_t uid) {
  std::size_t tasks = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    struct stat st {};
    if (stat(entry.path().c_str(), &st) != 0 || st.st_uid != uid) continue;
    std::ifstream status(entry.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.starts_with("Threads:")) tasks += std::stoull(line.substr(8));
  }
  return tasks;
}

// All tasks on the machine now: /proc/loadavg's fourth field, "running/total".
std::size_t tasks_running() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c, counts;
  in >> a >> b >> c >> counts;
  const auto slash = counts.find('/');
  return slash == std::string::npos ? 0 : std::stoull(counts.substr(slash + 1));
}

}  // namespace

task_limits read_task_limits() {
  task_limits l;
  l.pids_max = cgroup_value("pids", "pids.max", "pids.max").value_or(task_limits::none);
  l.pids_current = cgroup_value("pids", "pids.current", "pids.current").value_or(0);
  rlimit nproc{};
  // The kernel does not hold root (CAP_SYS_RESOURCE) to RLIMIT_NPROC.
  if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur != RLIM_INFINITY) {
    l.nproc_limit = nproc.rlim_cur;
    l.user_tasks = tasks_of_user(getuid());
  }
  std::ifstream threads_max("/proc/sys/kernel/threads-max");
  if (!(threads_max >> l.threads_max)) l.threads_max = task_limits::none;
  l.tasks_running = tasks_running();
  return l;
}

std::size_t tasks_left(const task_limits& l) {
  const auto left = [](std::size_t limit, std::size_t used) {
    return limit == task_limits::none ? limit : limit > used ? limit - used : 0;
  };
  return std::min({left(l.pids_max, l.pids_current), left(l.nproc_limit, l.user_tasks),
                   left(l.threads_max, l.tasks_running)});
}

}  // namespace parlab::runner
