#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "runners/abandon.hpp"

namespace parlab::runner {

// --timeout: a thread that, if the command is still running after `seconds`, abandons it
// (runners/abandon.hpp): on_expiry() runs on the watchdog's thread and writes what finished,
// then the process _exit(1)s. If a signal abandons the command first, expiry does nothing.
// Destroying the watchdog before expiry disarms it.
class watchdog {
 public:
  watchdog(double seconds, std::function<void()> on_expiry);
  ~watchdog();
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

 private:
  void wait_then_expire(double seconds);

  std::function<void()> on_expiry_;
  std::mutex mutex_;
  std::condition_variable disarm_;
  bool disarmed_ = false;
  std::thread thread_;
};

}  // namespace parlab::runner
