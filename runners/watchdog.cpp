#include "runners/watchdog.hpp"

#include <chrono>

namespace parlab::runner {

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
  if (!claim_abandon()) return;  // a signal is ending the command already
  abandon_command(1, on_expiry_);
}

}  // namespace parlab::runner
