#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace parlab::runner {

// --timeout: a thread that, if the command is still running after `seconds`, gives up on the
// whole process. A run in progress cannot be interrupted portably (an OpenMP region or a TBB
// arena has no cancellation point the runner could use), so the process ends instead:
//   1. on_expiry() runs on the watchdog's thread: it stops new records, says why on stderr,
//      kills the children of the abandoned run and writes what was finished;
//   2. every child process left is killed (fork workers, a pre-forked pool, gnuplot; the fork
//      backends also bind their children to parent death), stdio is flushed, and the process
//      _exit(1)s, without running destructors that could wait on the abandoned run.
// Destroying the watchdog before expiry disarms it.
// --run-timeout: the same, re-armed around each run (arm before it, disarm after), kept on one
// thread for the whole command so that a run costs two notifications, not a thread.
class watchdog {
 public:
  watchdog(double seconds, std::function<void()> on_expiry);  // armed at once
  explicit watchdog(std::function<void()> on_expiry);         // armed by arm()
  ~watchdog();
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

  void arm(double seconds);
  void disarm();

 private:
  using clock = std::chrono::steady_clock;
  void watch();

  std::function<void()> on_expiry_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<clock::time_point> deadline_;
  bool closing_ = false;
  std::thread thread_;
};

// Sends SIGKILL to every process whose parent is this one (found in /proc) and reaps it.
// Returns how many were killed.
unsigned kill_child_processes();

}  // namespace parlab::runner
