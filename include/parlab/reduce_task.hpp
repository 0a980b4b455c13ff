#pragma once
#include <cstddef>
#include <functional>

#include "parlab/index_range.hpp"

namespace parlab {

// A reduction over [0, n) with its partial result erased to bytes, so that a backend can run
// any kernel without knowing its types, and a fork backend can copy partials between processes.
// The partial is trivially copyable; combine must be associative and commutative, because
// dynamic schedules hand chunks to workers in no fixed order.
struct reduce_task {
  std::size_t n = 0;
  std::size_t partial_size = 0;  // bytes
  std::function<void(void* partial)> identity;
  // partial = combine(partial, body(range))
  std::function<void(index_range range, void* partial)> accumulate;
  // into = combine(into, from)
  std::function<void(void* into, const void* from)> combine;
};

}  // namespace parlab
