#include "kernels/cpu_stage.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "kernels/mixing.hpp"
#include "parlab/hot_loop.hpp"
#include "parlab/wait.hpp"

namespace parlab {
namespace {

// ~1-2 us of mixing between check points: far below any switch interval.
constexpr std::uint64_t check_every = 4096;

PARLAB_HOT_LOOP std::uint64_t mix_rounds(std::uint64_t x, std::uint64_t rounds) {
  for (std::uint64_t k = 0; k < rounds; ++k) x = mix(x);
  return x;
}

double measure_rate() {
  constexpr std::uint64_t trial = std::uint64_t{1} << 21;
  double best = 1e9;
  std::uint64_t sink = 1;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    sink = mix_rounds(sink + 1, trial);
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  // sink's value is used, so the loop cannot be dropped.
  return static_cast<double>(trial) / std::max(best, 1e-9) + static_cast<double>(sink & 1) * 1e-9;
}

}  // namespace

double cpu_stage::rounds_per_second() {
  static const double rate = measure_rate();
  return rate;
}

cpu_stage cpu_stage::lasting(double seconds) {
  return cpu_stage(static_cast<std::uint64_t>(std::llround(seconds * rounds_per_second())));
}

std::uint64_t cpu_stage::run(std::uint64_t x) const {
  for (std::uint64_t done = 0; done < rounds_; done += check_every) {
    x = mix_rounds(x, std::min(check_every, rounds_ - done));
    check_point();
  }
  return x;
}

std::uint64_t cpu_stage::item(std::uint64_t i) const { return run(scramble(i + 1)); }

std::uint64_t cpu_stage::checksum(std::uint64_t items) const {
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < items; ++i) sum += item(i);
  return sum;
}

double monotonic_s() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void io_wait(long long ns) {
  thread_local const bool slack_set = prctl(PR_SET_TIMERSLACK, 1UL) == 0;
  (void)slack_set;
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  wait_until(after(t, ns));
}

}  // namespace parlab
