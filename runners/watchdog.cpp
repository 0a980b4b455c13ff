#include "runners/watchdog.hpp"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

namespace parlab::runner {
namespace {

// The parent pid in /proc/PID/stat: the field after the state, itself after the ")" that
// closes the command name (which may contain spaces and parentheses).
pid_t parent_of(const std::string& proc_entry) {
  std::ifstream in(proc_entry + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return -1;
  return static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
}

}  // namespace

// readdir rather than std::filesystem: this runs on the watchdog's thread, where an exception
// (a process vanishing mid-scan) would end parlab with abort() instead of exit code 1.
unsigned kill_child_processes() {
  const pid_t self = getpid();
  unsigned killed = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (const dirent* entry = readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (parent_of("/proc/" + name) != self) continue;
    const auto pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
    if (kill(pid, SIGKILL) == 0) {
      ++killed;
      // A child waited for elsewhere is reaped there; WNOHANG keeps this from blocking.
      waitpid(pid, nullptr, WNOHANG);
    }
  }
  closedir(proc);
  return killed;
}

watchdog::watchdog(double seconds, std::function<void()> on_expiry)
    : watchdog(std::move(on_expiry)) {
  arm(seconds);
}

watchdog::watchdog(std::function<void()> on_expiry)
    : on_expiry_(std::move(on_expiry)), thread_([this] { watch(); }) {}

watchdog::~watchdog() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void watchdog::arm(double seconds) {
  {
    const std::lock_guard lock(mutex_);
    deadline_ = clock::now() +
                std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
  }
  changed_.notify_all();
}

void watchdog::disarm() {
  {
    const std::lock_guard lock(mutex_);
    deadline_.reset();
  }
  changed_.notify_all();
}

void watchdog::watch() {
  {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (closing_) return;
      if (!deadline_) {
        changed_.wait(lock);
        continue;
      }
      const clock::time_point at = *deadline_;
      // Woken by a change (disarmed, re-armed, closing): look again; else the deadline passed.
      if (!changed_.wait_until(lock, at, [&] { return closing_ || deadline_ != at; })) break;
    }
  }
  on_expiry_();
  kill_child_processes();
  std::fflush(nullptr);
  _exit(1);
}

}  // namespace parlab::runner
