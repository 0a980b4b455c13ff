#pragma once
// Waiting out the machine after the suite frees gigabytes. Some hypervisors take freed memory
// back from the guest over the next seconds: on the dev VM (virtio-balloon free page reporting,
// one pass every 2 s) the whole guest stalled for 20-90 ms every 2 s for ~8 s after 1.6 GB was
// freed, but only while every vCPU was busy. The benchmark measured next, on all cores, carried
// those stalls: compute-bound forkpool at 2 threads read 0.72-0.84 instead of 0.99.
#include <cstddef>

namespace parlab::bench {

struct settle_report {
  double waited_s = 0;
  unsigned stalls = 0;    // gaps of more than 5 ms in a busy loop (the thread that lost most)
  double stalled_ms = 0;  // their total length
  bool settled = false;   // false: still stalling when the time allowed ran out
};

// Keeps `cpus` threads busy reading the clock, in windows of 2.2 s (one reporting pass and some),
// until a whole window passes with no stall, or `max_windows` have passed. On a machine with
// nothing to wait for this costs one window.
settle_report wait_until_settled(unsigned cpus, unsigned max_windows = 10);

// Below this, freeing memory has not been seen to stall anything.
inline constexpr std::size_t settle_after_bytes = std::size_t{512} << 20;

}  // namespace parlab::bench
