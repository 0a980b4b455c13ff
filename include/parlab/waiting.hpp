#pragma once
// A wait that does not hold a thread. A kernel's item written as a coroutine returning
// waiting<T> says `co_await until(deadline)`; whatever runs the item decides what that does. On
// a thread or a process it blocks, through parlab::wait_until (so an emulated GIL is released
// meanwhile), and the coroutine goes on at once; on an event loop (the async backend) the
// coroutine is suspended and the loop resumes it at the deadline, its thread free for other
// waits meanwhile. The kernel knows nothing of which: no event loop appears in this header.
#include <coroutine>
#include <ctime>
#include <exception>
#include <stdexcept>
#include <utility>

#include "parlab/wait.hpp"

namespace parlab {

// co_await until(deadline): waits until `deadline` on CLOCK_MONOTONIC, suspended when an event
// loop runs the coroutine (wait_hooks::suspend_until), blocking otherwise.
struct until {
  // A constructor, not an aggregate: clang 14 has no parenthesised aggregate initialisation, and
  // until(deadline) is the form a kernel writes.
  explicit until(timespec at) noexcept : deadline(at) {}
  timespec deadline;
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> waiter) const;
  void await_resume() const noexcept {}
};

// Where a started item delivers its result: the event loop's per-thread partials.
class item_sink {
 public:
  virtual ~item_sink() = default;
  virtual void deliver(const void* partial) noexcept = 0;
  virtual void fail(std::exception_ptr error) noexcept = 0;
};

namespace detail {
// The deadline of the last wait the calling thread carried out blocking: a chain of items on
// one worker starts each where the previous one's wait ended, so that the chain does not drift.
timespec& last_blocking_deadline();
}  // namespace detail

// A coroutine computing a T, lazily started. Another waiting coroutine may co_await it; a worker
// runs it to the end with get(); an event loop starts it with start(sink) and the item delivers
// its T to the sink when it ends, then frees itself.
template <class T>
class [[nodiscard]] waiting {
 public:
  struct promise_type;
  using handle = std::coroutine_handle<promise_type>;

  struct promise_type {
    T value{};
    std::exception_ptr error;
    std::coroutine_handle<> continuation;
    item_sink* sink = nullptr;

    waiting get_return_object() { return waiting(handle::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct final_awaiter {
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(handle h) const noexcept {
        promise_type& p = h.promise();
        if (p.continuation) return p.continuation;
        if (p.sink != nullptr) {  // started by an event loop: nobody else holds the frame
          item_sink* to = p.sink;
          if (p.error)
            to->fail(p.error);
          else
            to->deliver(&p.value);
          h.destroy();
        }
        return std::noop_coroutine();
      }
      void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void return_value(T v) { value = std::move(v); }
    void unhandled_exception() { error = std::current_exception(); }
  };

  waiting(waiting&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  waiting& operator=(waiting&&) = delete;
  waiting(const waiting&) = delete;
  ~waiting() {
    if (h_) h_.destroy();
  }

  // Runs it to the end on the calling thread; every wait on the way blocks.
  T get() && {
    h_.resume();
    if (!h_.done())
      throw std::logic_error("a waiting coroutine suspended with no event loop to resume it");
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
    return std::move(h_.promise().value);
  }
  // Starts it for an event loop, which owns it from now on.
  void start(item_sink& sink) && {
    h_.promise().sink = &sink;
    std::exchange(h_, {}).resume();
  }

  // Awaited by another waiting coroutine: runs as part of it.
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
    return h_;
  }
  T await_resume() {
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
    return std::move(h_.promise().value);
  }

 private:
  explicit waiting(handle h) : h_(h) {}
  handle h_;
};

}  // namespace parlab
