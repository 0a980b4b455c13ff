#include "parlab/wait.hpp"

#include <sys/prctl.h>

#include <cerrno>

#include "parlab/waiting.hpp"

namespace parlab {
namespace {
thread_local wait_hooks* current = nullptr;
}

void sleep_until(const timespec& deadline) {
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
  }
}

void precise_waits() { prctl(PR_SET_TIMERSLACK, 1UL); }

void wait_until(const timespec& deadline) {
  if (current != nullptr)
    current->wait_until(deadline);
  else
    sleep_until(deadline);
}

timespec after(timespec deadline, long long ns) {
  const long long total = deadline.tv_nsec + ns;
  deadline.tv_sec += static_cast<time_t>(total / 1'000'000'000);
  deadline.tv_nsec = static_cast<long>(total % 1'000'000'000);
  return deadline;
}

timespec& detail::last_blocking_deadline() {
  thread_local timespec last{};
  return last;
}

bool until::await_suspend(std::coroutine_handle<> waiter) const {
  if (current != nullptr && current->suspend_until(deadline, waiter)) return true;
  wait_until(deadline);
  detail::last_blocking_deadline() = deadline;
  return false;  // goes on at once
}

void check_point() {
  if (current != nullptr) current->check_point();
}

blocking_region::blocking_region() : hooks_(current) {
  if (hooks_ != nullptr) hooks_->begin_blocking();
}
blocking_region::~blocking_region() {
  if (hooks_ != nullptr) hooks_->end_blocking();
}

scoped_hooks::scoped_hooks(wait_hooks* hooks) : previous_(current) { current = hooks; }
scoped_hooks::~scoped_hooks() { current = previous_; }

}  // namespace parlab
