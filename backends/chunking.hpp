#pragma once
// How an index range is cut into chunks and handed to workers; shared by every backend that
// schedules by hand (threads, fork) so that "static", "dynamic" and "guided" mean one thing.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "backends/start_latch.hpp"
#include "parlab/backend.hpp"
#include "parlab/index_range.hpp"

namespace parlab::detail {

// Block w of `workers` near-equal contiguous blocks (sizes differ by at most one).
inline index_range static_block(std::size_t n, unsigned workers, unsigned w) {
  const std::size_t q = n / workers, r = n % workers;
  const std::size_t begin = w * q + std::min<std::size_t>(w, r);
  return {begin, begin + q + (w < r ? 1 : 0)};
}

// The state workers share while claiming chunks. It is address-free (lock-free atomics only),
// so the fork backend places it in a MAP_SHARED mapping and child processes claim from it too.
struct chunk_cursor {
  alignas(64) std::atomic<std::size_t> next{0};
  alignas(64) std::atomic<bool> cancelled{false};
  // Workers that reached the start latch, and how many it waits for (0: no latch this run).
  alignas(64) std::atomic<std::uint32_t> arrived{0};
  std::uint32_t start_together = 0;

  // Before a run: no chunk claimed, nothing cancelled, the latch armed if asked for.
  void reset(const run_options& options) {
    next = 0;
    cancelled = false;
    arrived = 0;
    start_together = options.start_together ? options.threads : 0;
  }
};
static_assert(std::atomic<std::size_t>::is_always_lock_free);

// Calls f(range) for every chunk worker w owns, until the work runs out or a worker cancels.
// grain is effective_grain(): 0 under static means one block per worker.
template <class F>
void for_each_chunk(std::size_t n, unsigned workers, unsigned w, schedule s, std::size_t grain,
                    chunk_cursor& cursor, F&& f) {
  if (cursor.start_together > 0)
    arrive_and_wait_all(cursor.arrived, cursor.start_together, cursor.cancelled);
  auto live = [&] { return !cursor.cancelled.load(std::memory_order_relaxed); };
  switch (s) {
    case schedule::static_:
      if (grain == 0) {
        if (const index_range r = static_block(n, workers, w); !r.empty()) f(r);
        return;
      }
      for (std::size_t b = w * grain; b < n && live(); b += std::size_t{workers} * grain)
        f(index_range{b, std::min(n, b + grain)});
      return;
    case schedule::dynamic:
      while (live()) {
        const std::size_t b = cursor.next.fetch_add(grain, std::memory_order_relaxed);
        if (b >= n) return;
        f(index_range{b, std::min(n, b + grain)});
      }
      return;
    case schedule::guided:
      while (live()) {
        std::size_t b = cursor.next.load(std::memory_order_relaxed), c = 0;
        do {
          if (b >= n) return;
          c = std::max(grain, (n - b) / (2 * std::size_t{workers}));
        } while (!cursor.next.compare_exchange_weak(b, b + c, std::memory_order_relaxed));
        f(index_range{b, std::min(n, b + c)});
      }
      return;
  }
}

}  // namespace parlab::detail
