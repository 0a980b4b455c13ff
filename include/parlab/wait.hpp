#pragma once
// The two calls through which a kernel's body lets the engine see inside it: a wait (simulated
// I/O) and a check point (a long compute loop saying "now is a good moment"). Whatever runs the
// body decides what they do: by default the wait is a blocking sleep against an absolute
// deadline and the check point does nothing; under an emulated GIL (`--gil`) the wait releases
// the lock and takes it back, as CPython's Py_BEGIN_ALLOW_THREADS does, and the check point
// hands the lock over when another thread asked for it. A user's own kernel that waits and
// checks through these gets the same behaviour for free.
#include <coroutine>
#include <ctime>

namespace parlab {

// Waits until `deadline` on CLOCK_MONOTONIC. Absolute deadlines do not drift: a chain of
// relative sleeps overshoots ~80 us each (docs/PITFALLS.md).
void wait_until(const timespec& deadline);

// `deadline` moved on by `ns` nanoseconds, normalised.
timespec after(timespec deadline, long long ns);

// Cheap when nothing listens (a thread_local load): call it every few thousand iterations of a
// long loop, so that a lock held by the body can change hands within a switch interval.
void check_point();

// What the calling thread's waits and check points do while an instance is installed on it
// (scoped_hooks). Installed per worker thread by whatever runs the body: the GIL, the async
// backend's event loop.
class wait_hooks {
 public:
  virtual ~wait_hooks() = default;
  virtual void wait_until(const timespec& deadline) = 0;
  virtual void check_point() = 0;
  // co_await until(deadline) (parlab/waiting.hpp): an event loop takes the suspended coroutine
  // and resumes it at the deadline, returning true; false carries the wait out blocking.
  virtual bool suspend_until(const timespec& /*deadline*/, std::coroutine_handle<> /*waiter*/) {
    return false;
  }
  // Around a wait on another worker (blocking_region): the GIL lets go meanwhile.
  virtual void begin_blocking() {}
  virtual void end_blocking() {}
};

// Brackets, for its lifetime, a wait on another worker: a lock, a condition, a queue, a
// semaphore. Under an emulated GIL the lock is released meanwhile and taken back after, as
// CPython releases it around a blocking lock acquire or queue get; otherwise it costs a
// thread_local load. parlab's own primitives (parlab/sync.hpp) use it; a kernel blocking on
// something of its own should too, or a role holding the GIL while it waits deadlocks the others.
class blocking_region {
 public:
  blocking_region();
  ~blocking_region();
  blocking_region(const blocking_region&) = delete;
  blocking_region& operator=(const blocking_region&) = delete;

 private:
  wait_hooks* hooks_;
};

// Installs hooks on the calling thread for its lifetime, restoring the previous ones after.
class scoped_hooks {
 public:
  explicit scoped_hooks(wait_hooks* hooks);
  ~scoped_hooks();
  scoped_hooks(const scoped_hooks&) = delete;
  scoped_hooks& operator=(const scoped_hooks&) = delete;

 private:
  wait_hooks* previous_;
};

// Sets the calling thread's timer slack to 1 ns: the default 50 us would blur short waits.
void precise_waits();

// The blocking sleep every backend without hooks carries out (EINTR-safe).
void sleep_until(const timespec& deadline);

}  // namespace parlab
