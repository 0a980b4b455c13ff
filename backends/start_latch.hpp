#pragma once
// run_options::start_together: every worker waits here until all have arrived, so that their
// work overlaps even when starting a worker takes longer than the work (a std::thread costs
// ~25 us to start, a fork ~130 us; the race of lesson 7 shows only if the racers run at once).
// A futex without FUTEX_PRIVATE_FLAG, so that children of a fork waiting on a MAP_SHARED word
// wake too; the wait gives up when the run is cancelled, so a worker that never started cannot
// leave the others waiting.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <ctime>

namespace parlab::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

inline void arrive_and_wait_all(std::atomic<std::uint32_t>& arrived, std::uint32_t workers,
                                const std::atomic<bool>& cancelled) {
  auto* word = reinterpret_cast<std::uint32_t*>(&arrived);
  if (arrived.fetch_add(1, std::memory_order_acq_rel) + 1 >= workers) {
    syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
    return;
  }
  const timespec slice{0, 10'000'000};  // look at `cancelled` every 10 ms
  for (;;) {
    const std::uint32_t seen = arrived.load(std::memory_order_acquire);
    if (seen >= workers || cancelled.load(std::memory_order_relaxed)) return;
    syscall(SYS_futex, word, FUTEX_WAIT, seen, &slice, nullptr, 0);
  }
}

}  // namespace parlab::detail
