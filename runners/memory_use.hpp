#pragma once
// How much memory a run took, measured on this process around the run: the resident high-water
// mark, reset before the run through /proc/self/clear_refs so that the run's own peak shows
// (the kernel keeps the mark for the process's whole life otherwise), and the virtual size,
// which only a sample can catch: a thread's stack is mapped while it lives, mostly never touched.
// Children of the process backends are not this process: their memory is theirs. Free heap
// memory is handed back (malloc_trim) before the run, so that its growth is its own.
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace parlab::runner {

struct memory_use {
  std::size_t peak_rss_bytes = 0;     // resident high-water mark during the run
  std::size_t vm_peak_bytes = 0;      // the largest virtual size sampled during the run
  std::int64_t rss_growth_bytes = 0;  // peak_rss_bytes less the resident size before the run
};

// The bytes this process can still allocate for a run's data with `workers` threads beside it:
// the least of MemAvailable, what the cgroup's memory limit leaves over its usage (v2 or v1,
// runners/cgroup.hpp), and what RLIMIT_AS leaves over the virtual size, each less a reserve for
// what a run needs beside its data (under RLIMIT_AS, each thread's stack and malloc arena too).
std::size_t memory_available(std::size_t workers = 0);

// Watches one run from construction to stop(); all zero where /proc cannot be read or reset.
class memory_watch {
 public:
  // How often the virtual size is sampled (by one thread for the process's life, armed for the
  // run): every millisecond at first, where a run starts its threads, then twice as long after
  // each sample up to the longest interval. Each sample takes a core from the run: at 1 ms
  // throughout, a memory-bound rep of 2 ranks on 2 cores ran 3-5% slower than the hand-written
  // MPI program (docs/PERFORMANCE.md).
  static constexpr auto first_interval = std::chrono::milliseconds(1);
  static constexpr auto longest_interval = std::chrono::milliseconds(32);
  memory_watch();
  memory_watch(const memory_watch&) = delete;
  memory_watch& operator=(const memory_watch&) = delete;
  memory_use stop();

 private:
  bool reset_ = false;
  std::size_t rss_before_ = 0;
  std::size_t vm_peak_ = 0;
};

}  // namespace parlab::runner
