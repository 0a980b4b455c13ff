#include "runners/watchdog.hpp"

#include <chrono>
#include <utility>

namespace parlab::runner {

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
  if (!claim_abandon()) return;  // a signal is ending the command already
  abandon_command(1, on_expiry_);
}

}  // namespace parlab::runner
