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
#include <thread>

namespace parlab::runner {

struct memory_use {
  std::size_t peak_rss_bytes = 0;     // resident high-water mark during the run
  std::size_t vm_peak_bytes = 0;      // the largest virtual size sampled during the run
  std::int64_t rss_growth_bytes = 0;  // peak_rss_bytes less the resident size before the run
};

// The bytes this process can still allocate: the least of MemAvailable, what the cgroup's
// memory limit leaves over its usage (v2 or v1, runners/cgroup.hpp), and what RLIMIT_AS leaves
// over the virtual size.
std::size_t memory_available();

// Watches one run from construction to stop(); all zero where /proc cannot be read or reset.
class memory_watch {
 public:
  // How often the virtual size is sampled.
  static constexpr auto interval = std::chrono::milliseconds(1);
  memory_watch();
  memory_watch(const memory_watch&) = delete;
  memory_watch& operator=(const memory_watch&) = delete;
  memory_use stop();

 private:
  bool reset_ = false;
  std::size_t rss_before_ = 0;
  std::size_t vm_peak_ = 0;
  std::jthread sampler_;
};

}  // namespace parlab::runner
