#include "backends/processes.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "parlab/error.hpp"

namespace parlab::detail {

children::~children() {
  kill_all();
  wait_all();
}

void children::add(pid_t pid) {
  pids_.push_back(pid);
  // glibc 2.36 declares pidfd_open without C linkage in C++: the system call directly.
  pidfds_.push_back(static_cast<int>(
      syscall(SYS_pidfd_open, pid, 0)));  // -1 past the fd limit: then polled every 10 ms
}

bool failed_status(int status) { return !WIFEXITED(status) || WEXITSTATUS(status) != 0; }

std::vector<int> children::wait_all(const std::function<void()>& on_failure) {
  std::vector<int> statuses(pids_.size(), 0);
  using clock = std::chrono::steady_clock;
  std::optional<clock::time_point> kill_at;
  for (std::size_t left = std::count_if(pids_.begin(), pids_.end(), [](pid_t p) { return p > 0; });
       left > 0;) {
    std::vector<pollfd> fds;
    bool blind = false;  // a child without a pidfd: look at it every 10 ms
    for (std::size_t i = 0; i < pids_.size(); ++i)
      if (pids_[i] > 0) {
        blind = blind || pidfds_[i] < 0;
        if (pidfds_[i] >= 0) fds.push_back({pidfds_[i], POLLIN, 0});
      }
    int timeout_ms = blind ? 10 : -1;
    if (kill_at) {
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(*kill_at - clock::now()).count();
      const auto until_kill = static_cast<int>(std::max<long long>(0, ms));
      timeout_ms = blind ? std::min(timeout_ms, until_kill) : until_kill;
    }
    poll(fds.data(), fds.size(), timeout_ms);
    for (std::size_t i = 0; i < pids_.size(); ++i) {
      if (pids_[i] <= 0 || waitpid(pids_[i], &statuses[i], WNOHANG) != pids_[i]) continue;
      pids_[i] = -pids_[i];
      if (pidfds_[i] >= 0) close(pidfds_[i]);
      pidfds_[i] = -1;
      --left;
      if (failed_status(statuses[i]) && !kill_at) {
        kill_at = clock::now() + std::chrono::seconds(1);
        if (on_failure) on_failure();
      }
    }
    if (kill_at && clock::now() >= *kill_at) kill_all();
  }
  pids_.clear();
  pidfds_.clear();
  return statuses;
}

int children::poll_exited(int& status) {
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    if (pids_[i] > 0 && waitpid(pids_[i], &status, WNOHANG) == pids_[i]) {
      pids_[i] = -pids_[i];  // reaped: kill_all and wait_all skip it
      if (pidfds_[i] >= 0) close(pidfds_[i]);
      pidfds_[i] = -1;
      return static_cast<int>(i);
    }
  }
  return -1;
}

void children::kill_all() {
  for (pid_t pid : pids_)
    if (pid > 0) kill(pid, SIGKILL);
}

bool bind_child_to_parent(pid_t parent) {
  // A parent that takes signals on a thread of its own blocks them everywhere else (the CLI:
  // runners/signals.hpp); a worker takes them as any process does, so that Ctrl-C reaches it.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  return getppid() == parent;  // the parent may have died before prctl took effect
}

std::string describe_child_failure(std::string_view who, unsigned w, int status,
                                   const child_report& report) {
  const std::string name = std::string(who) + " worker " + std::to_string(w);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return name + " was killed by signal SIG" + (abbrev ? abbrev : std::to_string(sig)) + " (" +
           strsignal(sig) + ")";
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == child_failed_status)
    return name + ": " +
           std::string(report.message, strnlen(report.message, sizeof report.message));
  return name + " exited with status " + std::to_string(WEXITSTATUS(status));
}

void write_report(child_report& report, const char* text, bool consequence) {
  std::strncpy(report.message, text, sizeof report.message - 1);
  report.message[sizeof report.message - 1] = '\0';
  report.consequence = consequence;
}

int report_failure(child_report& report, const reduce_task& task) {
  try {
    throw;
  } catch (const poisoned_error& e) {
    write_report(report, e.what(), true);
  } catch (const std::exception& e) {
    write_report(report, e.what());
  } catch (...) {
    write_report(report, "the body threw an exception of unknown type");
  }
  if (task.cancel) task.cancel();
  return child_failed_status;
}

void throw_failure(const std::string& message, bool consequence) {
  if (consequence) throw poisoned_error(message);
  throw run_error(message);
}

int cause_of_failure(unsigned workers, const child_report* reports,
                     const std::function<bool(unsigned)>& failed) {
  int first = -1;
  for (unsigned w = 0; w < workers; ++w) {
    if (!failed(w)) continue;
    if (!reports[w].consequence) return static_cast<int>(w);  // a killed child reports nothing
    if (first < 0) first = static_cast<int>(w);
  }
  return first;
}

}  // namespace parlab::detail
