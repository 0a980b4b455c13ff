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
#include <cstdio>
#include <cstring>
#include <optional>

#include "parlab/error.hpp"

namespace parlab::detail {

children::children(std::size_t n) {
  pids_.reserve(n);
  pidfds_.reserve(n);
  statuses_.reserve(n);
  polled_.reserve(n);
}

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

std::vector<int> children::wait_all(const std::function<void()>& on_failure,
                                    std::optional<time_point> deadline) {
  statuses_.assign(pids_.size(), 0);
  std::vector<int>& statuses = statuses_;
  using clock = std::chrono::steady_clock;
  std::optional<clock::time_point> kill_at;
  // time_point::max(): none, which keeps g++ from a false maybe-uninitialized on the optional.
  clock::time_point overdue_at = deadline ? *deadline : clock::time_point::max();
  const auto ms_until = [](clock::time_point at) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(at - clock::now()).count();
    return static_cast<int>(std::clamp<long long>(ms + 1, 0, 1'000'000));
  };
  for (std::size_t left = std::count_if(pids_.begin(), pids_.end(), [](pid_t p) { return p > 0; });
       left > 0;) {
    std::vector<pollfd>& fds = polled_;
    fds.clear();
    bool blind = false;  // a child without a pidfd: look at it every 10 ms
    for (std::size_t i = 0; i < pids_.size(); ++i)
      if (pids_[i] > 0) {
        blind = blind || pidfds_[i] < 0;
        if (pidfds_[i] >= 0) fds.push_back({pidfds_[i], POLLIN, 0});
      }
    int timeout_ms = blind ? 10 : -1;
    for (const clock::time_point at : {kill_at.value_or(clock::time_point::max()), overdue_at}) {
      if (at == clock::time_point::max()) continue;
      timeout_ms = timeout_ms < 0 ? ms_until(at) : std::min(timeout_ms, ms_until(at));
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
    if (overdue_at != clock::time_point::max() && clock::now() >= overdue_at) {
      for (std::size_t i = 0; i < pids_.size(); ++i)
        if (pids_[i] > 0) overdue_.push_back(static_cast<unsigned>(i));
      kill_all();
      overdue_at = clock::time_point::max();
    }
    if (kill_at && clock::now() >= *kill_at) {
      for (std::size_t i = 0; i < pids_.size(); ++i)
        if (pids_[i] > 0) stopped_.push_back(static_cast<unsigned>(i));
      kill_all();
      kill_at = clock::time_point::max();  // done: and no second on_failure
    }
  }
  pids_.clear();
  pidfds_.clear();
  return std::move(statuses_);
}

bool children::killed(unsigned i) const {
  const auto in = [i](const std::vector<unsigned>& v) {
    return std::find(v.begin(), v.end(), i) != v.end();
  };
  return in(overdue_) || in(stopped_);
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

std::optional<children::time_point> run_deadline(double deadline_s) {
  if (deadline_s <= 0) return std::nullopt;
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(deadline_s));
}

std::string describe_overdue(std::string_view who, std::string_view which, double deadline_s) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", deadline_s);
  return std::string(who) + " " + std::string(which) + " still running at the run's deadline (" +
         seconds + " s): killed";
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
