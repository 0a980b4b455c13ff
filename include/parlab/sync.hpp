#pragma once
// Blocking primitives that work alike between threads and between forked processes, and that a
// failing worker can poison so that nobody waits for it forever: the lesson 8 set (lock, event,
// semaphore, barrier, bounded queue), built on pthread mutexes and conditions marked
// PTHREAD_PROCESS_SHARED. libstdc++ 12's std::latch, std::barrier, std::counting_semaphore and
// atomic waits use private futexes, which a forked child never wakes (docs/PITFALLS.md).
//
// Rules of use:
// - Construct them (placement new) in a parlab::shared_memory made before any worker forks, so
//   that every process sees the same object at the same address; on threads any memory works.
// - init() each one before every run, while no worker uses it (reduce_task::reset).
// - poison() wakes every waiter, now and later, with poisoned_error; the kernel's cancel hook
//   calls it when any worker fails. A worker that dies holding a lock (robust mutex, EOWNERDEAD)
//   poisons the primitive too: the next worker to lock it throws run_error, never hangs.
// - Every wait that really blocks is a blocking_region (parlab/wait.hpp): under --gil the
//   emulated lock is released meanwhile, as CPython does around a blocking acquire.
// - Waits wake at least every 100 ms to look at the poison flag, so a poison that raced with a
//   waiter going to sleep still ends the wait within a second.
#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace parlab::sync {

// A robust, process-shared mutex and two conditions (a queue waits on "not empty" and "not full"),
// with the poison flag every primitive has.
class monitor {
 public:
  void init();
  void poison();
  [[nodiscard]] bool poisoned() const { return poisoned_.load(std::memory_order_acquire); }

  // Locks (try first; a lock that must wait is a blocking_region); throws run_error when the
  // previous owner died holding it, and poisoned_error when poisoned.
  void lock();
  void unlock();
  // Waits on condition `which` (0 or 1) with the lock held; wakes at least every 100 ms; throws
  // poisoned_error. Returns the seconds it waited.
  double wait(int which = 0);
  void notify_all(int which = 0);

 private:
  // After a (try)lock or timed wait returned rc: a dead owner poisons, other errors throw.
  void on_locked(int rc);
  pthread_mutex_t mutex_;
  pthread_cond_t cond_[2];
  std::atomic<bool> poisoned_{false};
};
static_assert(std::atomic<bool>::is_always_lock_free);

// Set once, waited for by many: starts every role together.
class event {
 public:
  void init();
  void set();
  void wait();
  void poison() { m_.poison(); }

 private:
  monitor m_;
  bool set_ = false;
};

// A counting semaphore that records the most permits ever held at once since init().
class semaphore {
 public:
  void init(unsigned permits);
  void acquire();
  void release();
  [[nodiscard]] unsigned peak() const;
  void poison() { m_.poison(); }

 private:
  mutable monitor m_;
  unsigned free_ = 0;
  unsigned held_ = 0;
  unsigned peak_ = 0;
};

// N parties wait until all N have arrived; reusable (generations).
class barrier {
 public:
  void init(unsigned parties);
  void arrive_and_wait();
  void poison() { m_.poison(); }

 private:
  monitor m_;
  unsigned parties_ = 0;
  unsigned arrived_ = 0;
  std::uint64_t generation_ = 0;
};

// A bounded FIFO of 64-bit items between producers and consumers. Its storage follows the
// object: place it in bytes_for(capacity) bytes. Closed when every producer said it is done:
// consumers then drain what is left and pop returns false.
class bounded_queue {
 public:
  [[nodiscard]] static std::size_t bytes_for(std::size_t capacity);
  void init(std::size_t capacity, unsigned producers);
  // Blocks while full; returns the seconds it was blocked.
  double push(std::uint64_t item);
  // Blocks while empty and open; false once closed and drained. blocked_s += seconds blocked.
  bool pop(std::uint64_t& item, double& blocked_s);
  void producer_done();
  void poison() { m_.poison(); }
  // The most items ever queued at once since init().
  [[nodiscard]] std::size_t peak() const;

 private:
  std::uint64_t* items() { return reinterpret_cast<std::uint64_t*>(this + 1); }
  mutable monitor m_;
  std::size_t capacity_ = 0, head_ = 0, size_ = 0, peak_ = 0;
  unsigned producers_left_ = 0;
};

}  // namespace parlab::sync
