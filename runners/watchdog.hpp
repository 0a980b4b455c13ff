#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "runners/abandon.hpp"

namespace parlab::runner {

// --timeout: a thread that, if the command is still running after `seconds`, abandons it
// (runners/abandon.hpp): on_expiry() runs on the watchdog's thread and writes what finished,
// then the process _exit(1)s. If a signal abandons the command first, expiry does nothing.
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

}  // namespace parlab::runner
