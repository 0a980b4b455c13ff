#pragma once
#include <ctime>

#include "parlab/kernel.hpp"
#include "parlab/waiting.hpp"

namespace parlab {

// The typed way to write work made of waits: item i is a coroutine that may co_await
// until(deadline) and returns a Partial. Thread and process backends run a range's items one
// after another, every wait blocking; an event loop (async) starts every item at once and holds
// all their waits on one thread. The kernel is written once for both.
template <class Partial>
class waits_kernel : public detail::typed_partial<Partial> {
 public:
  // Item i, begun at `start` on CLOCK_MONOTONIC: on an event loop the moment the run started; on
  // a blocking worker the deadline of the wait its previous item ended on (the clock for the
  // first), so that a chain of waits on one worker does not drift.
  [[nodiscard]] virtual waiting<Partial> item(std::size_t i, timespec start) const = 0;
  [[nodiscard]] bool has_waiting_items() const final { return true; }

  [[nodiscard]] reduce_task task() const final {
    using base = detail::typed_partial<Partial>;
    reduce_task t = base::erased();
    t.n = task_size();
    t.evaluate = [this](index_range r, void* p) { base::store(p, body(r)); };
    t.accumulate = [this](index_range r, void* p) {
      base::store(p, this->combine(base::load(p), body(r)));
    };
    t.start_item = [this](std::size_t i, const timespec& start, item_sink& sink) {
      item(i, start).start(sink);
    };
    return t;
  }

 protected:
  // How many items there are.
  [[nodiscard]] virtual std::size_t task_size() const = 0;

 private:
  Partial body(index_range r) const {
    precise_waits();
    timespec clock{};
    clock_gettime(CLOCK_MONOTONIC, &clock);
    Partial done = this->identity();
    for (std::size_t i = r.begin; i < r.end; ++i) {
      timespec& last = detail::last_blocking_deadline();
      last = {};
      done = this->combine(done, item(i, clock).get());
      if (last.tv_sec != 0 || last.tv_nsec != 0)
        clock = last;
      else
        clock_gettime(CLOCK_MONOTONIC, &clock);
    }
    return done;
  }
};

}  // namespace parlab
