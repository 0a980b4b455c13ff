#include "bench/grid.hpp"

#include <algorithm>

#include "runners/units.hpp"

namespace parlab::bench {

std::vector<unsigned> thread_counts(unsigned cores) { return runner::parse_threads("pow2", cores); }

std::vector<std::size_t> sum_sizes(std::size_t max_size) {
  std::vector<std::size_t> out;
  for (std::size_t n : {1'000UL, 10'000UL, 100'000UL, 1'000'000UL, 10'000'000UL})
    if (n < max_size) out.push_back(n);
  out.push_back(max_size);
  return out;
}

benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b,
                                          const std::vector<std::string>& names,
                                          const std::vector<std::int64_t>& values) {
  return b->Args(values)->ArgNames(names)->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void set_page_counters(benchmark::State& state, const page_use& pages) {
  if (pages.bytes == 0) return;
  state.counters["huge_fraction"] =
      static_cast<double>(pages.huge_bytes) / static_cast<double>(pages.bytes);
  state.counters["huge_bytes"] = static_cast<double>(pages.huge_bytes);
}

void set_memory_counters(benchmark::State& state, const runner::memory_use& m, double tasks) {
  state.counters["peak_rss_bytes"] = static_cast<double>(m.peak_rss_bytes);
  state.counters["vm_peak_bytes"] = static_cast<double>(m.vm_peak_bytes);
  if (tasks > 0) state.counters["bytes_per_task"] = static_cast<double>(m.rss_growth_bytes) / tasks;
}

}  // namespace parlab::bench
