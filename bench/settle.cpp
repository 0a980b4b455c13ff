#include "bench/settle.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace parlab::bench {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto window = std::chrono::milliseconds(2200);
constexpr auto stall = std::chrono::milliseconds(5);

struct window_stalls {
  unsigned count = 0;
  double ms = 0;
};

// One busy thread's stalls over one window. Each thread keeps its own tally: no sharing, so
// the loop only reads the clock.
window_stalls watch(clock_type::time_point end) {
  window_stalls seen;
  for (auto last = clock_type::now(); last < end;) {
    const auto now = clock_type::now();
    if (now - last > stall) {
      ++seen.count;
      seen.ms += std::chrono::duration<double, std::milli>(now - last).count();
    }
    last = now;
  }
  return seen;
}

}  // namespace

settle_report wait_until_settled(unsigned cpus, unsigned max_windows) {
  settle_report report;
  const auto start = clock_type::now();
  for (unsigned w = 0; w < max_windows && !report.settled; ++w) {
    const auto end = clock_type::now() + window;
    std::vector<window_stalls> seen(std::max(cpus, 1U));
    {
      std::vector<std::jthread> busy;
      for (std::size_t i = 1; i < seen.size(); ++i)
        busy.emplace_back([&seen, i, end] { seen[i] = watch(end); });
      seen[0] = watch(end);
    }
    // A stall of the whole guest shows on every thread: count it once, from the worst thread.
    const auto worst =
        std::max_element(seen.begin(), seen.end(), [](auto& a, auto& b) { return a.ms < b.ms; });
    report.stalls += worst->count;
    report.stalled_ms += worst->ms;
    report.settled = worst->count == 0;
  }
  report.waited_s = std::chrono::duration<double>(clock_type::now() - start).count();
  return report;
}

}  // namespace parlab::bench
