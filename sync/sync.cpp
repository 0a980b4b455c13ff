#include "parlab/sync.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <string>

#include "parlab/error.hpp"
#include "parlab/wait.hpp"

namespace parlab::sync {
namespace {

// The slice after which every wait looks at the poison flag again, and the most poison() waits
// for the lock before it broadcasts without it.
constexpr long long slice_ns = 100'000'000;
constexpr long long poison_lock_ns = 200'000'000;

timespec monotonic_after(long long ns) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return after(now, ns);
}

[[noreturn]] void fail(const char* what, int err) {
  throw run_error(std::string("sync: ") + what + ": " + std::strerror(err));
}

[[noreturn]] void throw_poisoned(const char* what) {
  throw poisoned_error(std::string("sync: ") + what +
                       " poisoned: another worker of this run failed");
}

// The monitor's lock for one scope. A wait that throws has already let go of the lock (so has a
// lock that throws, before the guard exists): the guard forgets it then, so that no path
// unlocks twice, and none returns holding it.
class held {
 public:
  explicit held(monitor& m) : m_(m) { m_.lock(); }
  ~held() {
    if (owned_) m_.unlock();
  }
  held(const held&) = delete;
  held& operator=(const held&) = delete;

  double wait(int which) {
    owned_ = false;
    const double s = m_.wait(which);
    owned_ = true;
    return s;
  }

 private:
  monitor& m_;
  bool owned_ = true;
};

// Statistics written under the lock but read without it: peak() must answer after a run that
// was poisoned, or whose worker died holding the lock, without throwing or waiting.
template <class T>
void raise_peak(T& peak, T now) {
  std::atomic_ref<T> p(peak);
  if (now > p.load(std::memory_order_relaxed)) p.store(now, std::memory_order_relaxed);
}
// The const_cast is sound: the objects are never const, only the getters are.
template <class T>
T read_peak(const T& peak) {
  return std::atomic_ref<T>(const_cast<T&>(peak)).load(std::memory_order_relaxed);
}

}  // namespace

// Runs on fresh (zero-filled) memory and on objects a previous run used, without destroying
// them first: init's rule is that nobody holds or waits on them now, and glibc's init only
// overwrites the words. Destroying would be worse: pthread_cond_destroy waits until every
// waiter left, and one that was killed while waiting never does; a mutex a dead worker held is
// simply made fresh.
void monitor::init() {
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  const int rc = pthread_mutex_init(&mutex_, &ma);
  pthread_mutexattr_destroy(&ma);
  if (rc != 0) fail("pthread_mutex_init", rc);

  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  int crc = 0;
  for (pthread_cond_t& c : cond_)
    if (crc == 0) crc = pthread_cond_init(&c, &ca);
  pthread_condattr_destroy(&ca);
  if (crc != 0) fail("pthread_cond_init", crc);
  poisoned_.store(false, std::memory_order_release);
}

// The outcome of a lock, trylock or timed wait that may have taken the lock. A dead owner may
// have left the protected state half-updated: nobody can trust it again in this run, so the
// first to learn of it poisons the monitor and reports the death, every later one the poison.
void monitor::on_locked(int rc) {
  if (rc == 0) return;
  if (rc == EOWNERDEAD) {
    pthread_mutex_consistent(&mutex_);
    poisoned_.store(true, std::memory_order_release);
    for (pthread_cond_t& c : cond_) pthread_cond_broadcast(&c);
    pthread_mutex_unlock(&mutex_);
    throw run_error("a worker died holding a lock of this run");
  }
  // EINVAL and the like leave the lock held, ENOTRECOVERABLE and EPERM do not: a robust mutex
  // refuses an unlock by a thread that does not own it, so this unlock is safe either way.
  pthread_mutex_unlock(&mutex_);
  fail("locking a mutex", rc);
}

void monitor::lock() {
  int rc = pthread_mutex_trylock(&mutex_);
  if (rc == EBUSY) {
    const blocking_region region;
    rc = pthread_mutex_lock(&mutex_);
  }
  on_locked(rc);
  if (poisoned()) {
    unlock();
    throw_poisoned("lock");
  }
}

void monitor::unlock() { pthread_mutex_unlock(&mutex_); }

double monitor::wait(int which) {
  assert(which == 0 || which == 1);
  if (poisoned()) {
    unlock();
    throw_poisoned("wait");
  }
  const auto start = std::chrono::steady_clock::now();
  int rc = 0;
  try {
    const blocking_region region;
    const timespec deadline = monotonic_after(slice_ns);
    rc = pthread_cond_timedwait(&cond_[which], &mutex_, &deadline);
  } catch (...) {
    unlock();  // the GIL hook threw: the lock is still ours, and the caller's guard forgot it
    throw;
  }
  if (rc != 0 && rc != ETIMEDOUT) on_locked(rc);
  if (poisoned()) {
    unlock();
    throw_poisoned("wait");
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void monitor::notify_all(int which) {
  assert(which == 0 || which == 1);
  pthread_cond_broadcast(&cond_[which]);
}

// Broadcasting under the lock closes the window between a waiter's last look at the flag and
// its sleep. No blocking_region: poison runs from cancel hooks, which must not wait for the
// GIL; if the lock stays busy (its owner waits for the GIL this thread may hold), broadcast
// without it and let the waiters' 100 ms slices catch a wakeup lost in that window.
void monitor::poison() {
  poisoned_.store(true, std::memory_order_release);
  const timespec deadline = monotonic_after(poison_lock_ns);
  const int rc = pthread_mutex_clocklock(&mutex_, CLOCK_MONOTONIC, &deadline);
  if (rc == EOWNERDEAD) pthread_mutex_consistent(&mutex_);
  for (pthread_cond_t& c : cond_) pthread_cond_broadcast(&c);
  if (rc == 0 || rc == EOWNERDEAD) pthread_mutex_unlock(&mutex_);
}

void event::init() {
  m_.init();
  set_ = false;
}

void event::set() {
  held h(m_);
  set_ = true;
  m_.notify_all(0);
}

void event::wait() {
  held h(m_);
  while (!set_) h.wait(0);
}

void semaphore::init(unsigned permits) {
  m_.init();
  free_ = permits;
  held_ = 0;
  std::atomic_ref<unsigned>(peak_).store(0, std::memory_order_relaxed);
}

void semaphore::acquire() {
  held h(m_);
  while (free_ == 0) h.wait(0);
  --free_;
  ++held_;
  raise_peak(peak_, held_);
}

// A release without an acquire adds a permit, as std::counting_semaphore's does; it is not
// counted as held.
void semaphore::release() {
  held h(m_);
  const bool was_empty = free_ == 0;
  ++free_;
  if (held_ > 0) --held_;
  if (was_empty) m_.notify_all(0);
}

unsigned semaphore::peak() const { return read_peak(peak_); }

void barrier::init(unsigned parties) {
  if (parties == 0) throw usage_error("sync::barrier: a barrier needs at least one party");
  m_.init();
  parties_ = parties;
  arrived_ = 0;
  generation_ = 0;
}

// Waiting for the generation to change, not for arrived_ to reach parties_, is what makes the
// barrier reusable: the last arrival resets the count for the next generation at once.
void barrier::arrive_and_wait() {
  held h(m_);
  const std::uint64_t mine = generation_;
  if (++arrived_ == parties_) {
    arrived_ = 0;
    ++generation_;
    m_.notify_all(0);
    return;
  }
  while (generation_ == mine) h.wait(0);
}

static_assert(sizeof(bounded_queue) % alignof(std::uint64_t) == 0,
              "the ring buffer that follows the queue must be aligned");

std::size_t bounded_queue::bytes_for(std::size_t capacity) {
  return sizeof(bounded_queue) + capacity * sizeof(std::uint64_t);
}

void bounded_queue::init(std::size_t capacity, unsigned producers) {
  if (capacity == 0) throw usage_error("sync::bounded_queue: capacity must be at least 1");
  m_.init();
  capacity_ = capacity;
  head_ = 0;
  size_ = 0;
  std::atomic_ref<std::size_t>(peak_).store(0, std::memory_order_relaxed);
  producers_left_ = producers;
}

// Waiters are woken with a broadcast, so only the transitions out of empty and out of full
// need one: whoever waits later found the queue empty (full) and is woken by the next one.
double bounded_queue::push(std::uint64_t item) {
  held h(m_);
  double blocked = 0;
  while (size_ == capacity_) blocked += h.wait(1);
  items()[(head_ + size_) % capacity_] = item;
  ++size_;
  raise_peak(peak_, size_);
  if (size_ == 1) m_.notify_all(0);
  return blocked;
}

bool bounded_queue::pop(std::uint64_t& item, double& blocked_s) {
  held h(m_);
  while (size_ == 0) {
    if (producers_left_ == 0) return false;
    blocked_s += h.wait(0);
  }
  item = items()[head_];
  head_ = (head_ + 1) % capacity_;
  if (size_-- == capacity_) m_.notify_all(1);
  return true;
}

void bounded_queue::producer_done() {
  held h(m_);
  if (producers_left_ > 0 && --producers_left_ == 0) m_.notify_all(0);
}

std::size_t bounded_queue::peak() const { return read_peak(peak_); }

}  // namespace parlab::sync
