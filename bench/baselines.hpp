#pragma once
// How the hand-written baselines know who ran: each worker writes its partial and its own id
// (a thread's tid, a child's pid) into its slot, and the slots are poisoned before each call.
#include <cstddef>
#include <cstdint>
#include <span>

#include "runners/measure.hpp"

namespace parlab::bench {

// One per worker and per cache line: neighbouring workers must not share a line.
struct alignas(64) slot {
  std::uint64_t sum = 0;
  std::uint64_t id = 0;
};

// What a poisoned slot holds where no worker wrote: its sum fails the final check, its id is
// not counted.
inline constexpr std::uint64_t unwritten =
    0x0101010101010101ULL * std::to_integer<std::uint64_t>(runner::poison_byte);

void poison_slots(std::span<slot> slots);
std::uint64_t total(std::span<const slot> slots);
// Distinct ids among the slots written: a thread that ran on two slots counts once.
unsigned distinct_ids(std::span<const slot> slots);
// The calling thread's tid, read once per thread (a syscall per call would be timed).
std::uint64_t this_thread_id();

}  // namespace parlab::bench
