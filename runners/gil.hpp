#pragma once
// `--gil`: an emulated global interpreter lock, so that C++ users can see what CPython's does
// to threads. The body of every chunk runs holding one process-wide lock, as bytecode does,
// following CPython's own algorithm (Python/ceval_gil.c, docs/PITFALLS.md):
// - take: wait on a condition for up to the switch interval; if it timed out and nobody took the
//   lock in between, set drop_request.
// - the holder looks at drop_request at its check points (chunk boundaries and
//   parlab::check_point in compute loops) and drops the lock when it is set;
// - forced switching: a holder that dropped on request waits until another thread has taken the
//   lock, so that it cannot grab it straight back.
// - parlab::wait_until releases the lock while it waits and takes it back after, as
//   Py_BEGIN_ALLOW_THREADS around blocking I/O does.
// Each process has its own lock: forked workers hold a copy each and bypass it, as
// multiprocessing does. A child forked while a thread of the parent held the lock (a staged
// run's process stage starts while its thread stage runs) gets its copy free: a fork handler
// resets every live lock in the child, as CPython's PyOS_AfterFork_Child does.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "parlab/reduce_task.hpp"
#include "parlab/wait.hpp"

namespace parlab::runner {

// CPython's default, sys.getswitchinterval(): `--gil` without `--switch-interval`, the lab and
// the bench use it.
inline constexpr std::chrono::milliseconds default_switch_interval{5};

class emulated_gil final : public wait_hooks {
 public:
  explicit emulated_gil(std::chrono::nanoseconds switch_interval);
  ~emulated_gil() override;
  emulated_gil(const emulated_gil&) = delete;
  emulated_gil& operator=(const emulated_gil&) = delete;

  // The task with each chunk run while holding this lock, its waits and check points hooked.
  // Valid while both this lock and `task` live.
  [[nodiscard]] reduce_task holding(const reduce_task& task);

  void wait_until(const timespec& deadline) override;
  void check_point() override;
  void begin_blocking() override { drop(); }
  void end_blocking() override { take(); }

  struct stats {
    std::uint64_t switches = 0;  // times the lock passed from one thread to another
    double waited_s = 0;         // time threads spent waiting to take it
    std::uint64_t chunks = 0;    // chunks run under this lock, in this process
    // Check points a kernel's hot loop reached on a thread that did not hold the lock: compute
    // done outside it. 0 whenever the lock works; a hook that lets a chunk run unlocked shows.
    std::uint64_t unheld_check_points = 0;
  };
  [[nodiscard]] stats totals() const;
  void reset_totals();

 private:
  void take();
  void drop();
  friend struct gil_fork_handlers;
  // In a forked child, which has only the forking thread: nobody holds the lock.
  void reset_in_child();

  std::chrono::nanoseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable released_;  // the lock became free
  std::condition_variable taken_;     // another thread took it (forced switching)
  bool locked_ = false;
  std::thread::id holder_;  // the last to take it, held or not (a switch is a new holder)
  std::uint64_t takes_ = 0;
  std::atomic<bool> drop_request_{false};
  // Who holds it now; default while nobody does. Read without the mutex at every check point.
  std::atomic<std::thread::id> owner_{};
  std::atomic<std::uint64_t> unheld_{0};
  stats totals_;
};

}  // namespace parlab::runner
