#pragma once
// The points the suite measures, shared by the engine benchmarks, the baselines and the probe
// so that every ratio in the summary compares like with like.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parlab/huge_array.hpp"
#include "runners/memory_use.hpp"

namespace parlab::bench {

struct grid {
  unsigned cores = 1;                  // usable CPUs (affinity and cgroup quota)
  std::size_t max_size = 200'000'000;  // the headline memory-bound size: 1.6 GB of int64
  unsigned rounds = 3;                 // the same group repeated, to take ratios within a round
  std::size_t compute_size = 500'000;  // compute-bound sum: ~50 ms on one core at intensity 64
  unsigned intensity = 64;
  unsigned io_workers = 32;  // the io target: 32 waits of 100 ms on 32 workers
};

// 1, 2, 4, ... below the core count, then the core count (the `pow2` spec of the CLI).
std::vector<unsigned> thread_counts(unsigned cores);
// In-cache (1e3..1e5, where per-call overhead shows), last-level-cache and DRAM sizes, up to
// max_size; the summary classes them against the cache sizes Google Benchmark reports.
std::vector<std::size_t> sum_sizes(std::size_t max_size);

// The settings every benchmark of the suite shares: wall-clock time (docs/PITFALLS.md: the default
// timer is the main thread's CPU time, blind to workers and waits) and named arguments.
benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b,
                                          const std::vector<std::string>& names,
                                          const std::vector<std::int64_t>& values);

// huge_fraction and huge_bytes: how much of the data a benchmark read sits in huge pages,
// measured after the timed loop. Advice is a request, and whether it was granted decides what a
// fork costs and how fast a stream runs. Nothing for data of no size.
void set_page_counters(benchmark::State& state, const page_use& pages);
// peak_rss_bytes, vm_peak_bytes and bytes_per_task (the resident growth over `tasks`) of one run
// watched by runner::memory_watch, as the runner's records carry them.
void set_memory_counters(benchmark::State& state, const runner::memory_use& m, double tasks);

}  // namespace parlab::bench
