#include "backends/processes.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "parlab/error.hpp"

namespace parlab::detail {

children::~children() {
  kill_all();
  wait_all();
}

void children::add(pid_t pid) { pids_.push_back(pid); }

std::vector<int> children::wait_all() {
  std::vector<int> statuses(pids_.size(), 0);
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    if (pids_[i] <= 0) continue;  // reaped by poll_exited
    while (waitpid(pids_[i], &statuses[i], 0) < 0 && errno == EINTR) {
    }
  }
  pids_.clear();
  return statuses;
}

int children::poll_exited(int& status) {
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    if (pids_[i] > 0 && waitpid(pids_[i], &status, WNOHANG) == pids_[i]) {
      pids_[i] = -pids_[i];  // reaped: kill_all and wait_all skip it
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

void write_report(child_report& report, const char* text) {
  std::strncpy(report.message, text, sizeof report.message - 1);
  report.message[sizeof report.message - 1] = '\0';
}

}  // namespace parlab::detail
