#include "runners/watchdog.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace parlab::runner {
namespace {

// The parent pid in /proc/PID/stat: the field after the state, itself after the ")" that
// closes the command name (which may contain spaces and parentheses).
pid_t parent_of(const std::filesystem::path& proc_entry) {
  std::ifstream in(proc_entry / "stat");
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return -1;
  try {
    return static_cast<pid_t>(std::stol(stat.substr(close + 4)));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

unsigned kill_child_processes() {
  const pid_t self = getpid();
  unsigned killed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (parent_of(entry.path()) != self) continue;
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (kill(pid, SIGKILL) == 0) {
      ++killed;
      // A child waited for elsewhere is reaped there; WNOHANG keeps this from blocking.
      waitpid(pid, nullptr, WNOHANG);
    }
  }
  return killed;
}

watchdog::watchdog(double seconds, std::function<void()> on_expiry)
    : on_expiry_(std::move(on_expiry)), thread_([this, seconds] { wait_then_expire(seconds); }) {}

watchdog::~watchdog() {
  {
    const std::lock_guard lock(mutex_);
    disarmed_ = true;
  }
  disarm_.notify_all();
  thread_.join();
}

void watchdog::wait_then_expire(double seconds) {
  {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    if (disarm_.wait_until(lock, deadline, [this] { return disarmed_; })) return;
  }
  on_expiry_();
  kill_child_processes();
  std::fflush(nullptr);
  _exit(1);
}

}  // namespace parlab::runner
