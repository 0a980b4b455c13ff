#include "runners/gil.hpp"

#include <pthread.h>

#include <algorithm>
#include <new>
#include <vector>

namespace parlab::runner {

// Every live lock, for the fork handlers: before a fork each lock's mutex is taken, so that no
// thread of the parent holds it mid-update when the child's copy is made.
struct gil_fork_handlers {
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<emulated_gil*>& live() {
    static std::vector<emulated_gil*> all;
    return all;
  }
  static void before() {
    mutex().lock();
    for (emulated_gil* g : live()) g->mutex_.lock();
  }
  static void in_parent() {
    for (emulated_gil* g : live()) g->mutex_.unlock();
    mutex().unlock();
  }
  static void in_child() {
    for (emulated_gil* g : live()) g->reset_in_child();
    mutex().unlock();
  }
};

emulated_gil::emulated_gil(std::chrono::nanoseconds switch_interval) : interval_(switch_interval) {
  static const int installed = pthread_atfork(
      gil_fork_handlers::before, gil_fork_handlers::in_parent, gil_fork_handlers::in_child);
  (void)installed;
  const std::lock_guard lock(gil_fork_handlers::mutex());
  gil_fork_handlers::live().push_back(this);
}

emulated_gil::~emulated_gil() {
  const std::lock_guard lock(gil_fork_handlers::mutex());
  auto& live = gil_fork_handlers::live();
  live.erase(std::remove(live.begin(), live.end(), this), live.end());
}

void emulated_gil::reset_in_child() {
  mutex_.unlock();  // taken by this thread in before()
  // Threads of the parent that waited on them do not exist here: fresh conditions.
  new (&released_) std::condition_variable;
  new (&taken_) std::condition_variable;
  locked_ = false;
  holder_ = {};
  owner_.store(std::thread::id{}, std::memory_order_relaxed);
  drop_request_ = false;
}

void emulated_gil::take() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (locked_) {
    const std::uint64_t takes_before = takes_;
    const bool timed_out = released_.wait_for(lock, interval_) == std::cv_status::timeout;
    // A whole interval passed and nobody took the lock: ask the holder to let go.
    if (timed_out && locked_ && takes_ == takes_before) drop_request_ = true;
  }
  const std::thread::id me = std::this_thread::get_id();
  if (holder_ != me && takes_ > 0) ++totals_.switches;
  locked_ = true;
  holder_ = me;
  owner_.store(me, std::memory_order_relaxed);
  ++takes_;
  drop_request_ = false;
  totals_.waited_s +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  taken_.notify_all();
}

void emulated_gil::drop() {
  std::unique_lock lock(mutex_);
  owner_.store(std::thread::id{}, std::memory_order_relaxed);
  locked_ = false;
  released_.notify_one();
}

void emulated_gil::check_point() {
  if (owner_.load(std::memory_order_relaxed) != std::this_thread::get_id())
    unheld_.fetch_add(1, std::memory_order_relaxed);
  if (!drop_request_.load(std::memory_order_relaxed)) return;
  std::uint64_t takes_at_drop = 0;
  {
    std::unique_lock lock(mutex_);
    owner_.store(std::thread::id{}, std::memory_order_relaxed);
    locked_ = false;
    takes_at_drop = takes_;
    released_.notify_one();
    // Forced switching: wait until the thread that asked has the lock.
    taken_.wait(lock, [&] { return takes_ != takes_at_drop; });
  }
  take();
}

void emulated_gil::wait_until(const timespec& deadline) {
  drop();
  sleep_until(deadline);
  take();
}

reduce_task emulated_gil::holding(const reduce_task& task) {
  reduce_task held = task;
  // Every chunk takes the lock, runs with this lock's hooks installed, and drops it: chunk
  // boundaries are check points too.
  auto under_lock = [this](const auto& run) {
    take();
    {
      const std::lock_guard count(mutex_);
      ++totals_.chunks;
    }
    const scoped_hooks hooks(this);
    try {
      run();
    } catch (...) {
      drop();
      throw;
    }
    drop();
  };
  held.evaluate = [&task, under_lock](index_range r, void* p) {
    under_lock([&] { task.evaluate(r, p); });
  };
  held.accumulate = [&task, under_lock](index_range r, void* p) {
    under_lock([&] { task.accumulate(r, p); });
  };
  if (task.role)
    held.role = [&task, under_lock](unsigned role, const role_split& split, void* p) {
      under_lock([&] { task.role(role, split, p); });
    };
  return held;
}

emulated_gil::stats emulated_gil::totals() const {
  const std::lock_guard lock(mutex_);
  stats s = totals_;
  s.unheld_check_points = unheld_.load(std::memory_order_relaxed);
  return s;
}

void emulated_gil::reset_totals() {
  const std::lock_guard lock(mutex_);
  totals_ = {};
  unheld_.store(0, std::memory_order_relaxed);
}

}  // namespace parlab::runner
