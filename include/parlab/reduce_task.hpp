#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "parlab/index_range.hpp"

namespace parlab {

// A reduction over [0, n) with its partial result erased to bytes, so that a backend can run
// any kernel without knowing its types, and a fork backend can copy partials between processes.
// The partial is trivially copyable; combine must be associative and commutative, because
// dynamic schedules hand chunks to workers in no fixed order.
struct reduce_task {
  std::size_t n = 0;
  // A process-unique id of this task (next_task_version()), or 0. Backends that keep state
  // between runs, such as forkpool's processes forked with the data in place, reuse it only
  // while the version is unchanged. A task is valid until its kernel is prepared again.
  std::uint64_t version = 0;
  std::size_t partial_size = 0;  // bytes
  // Optional: sets per-run state afresh (a shared counter), called by backend::run before every
  // run in the caller's process.
  std::function<void()> reset;
  std::function<void(void* partial)> identity;
  // partial = body(range): a worker's first chunk, which has nothing to combine with yet. It
  // spares every run the identity and combine calls that identity-then-accumulate would cost.
  std::function<void(index_range range, void* partial)> evaluate;
  // partial = combine(partial, body(range))
  std::function<void(index_range range, void* partial)> accumulate;
  // into = combine(into, from)
  std::function<void(void* into, const void* from)> combine;
};

// A fresh, never-zero task version.
std::uint64_t next_task_version();

}  // namespace parlab
