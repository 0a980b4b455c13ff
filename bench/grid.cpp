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

}  // namespace parlab::bench
