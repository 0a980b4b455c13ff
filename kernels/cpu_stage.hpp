#pragma once
// Real computation of a chosen length per item, for kernels that mix waits with work (pipeline,
// mixed): R rounds of sum's mix, where R is what takes the asked seconds on one core here,
// calibrated once per process. The rounds are recorded with the result, so that a run on another
// machine can ask for the same work (--cpu-rounds) rather than the same time.
#include <cstdint>

namespace parlab {

class cpu_stage {
 public:
  cpu_stage() = default;
  explicit cpu_stage(std::uint64_t rounds) : rounds_(rounds) {}
  // The rounds that take `seconds` on one core of this machine.
  static cpu_stage lasting(double seconds);
  // Rounds of mix per second on one core, measured on first use (best of a few ~5 ms trials).
  static double rounds_per_second();

  [[nodiscard]] std::uint64_t rounds() const { return rounds_; }
  [[nodiscard]] double seconds() const {
    return static_cast<double>(rounds_) / rounds_per_second();
  }
  // mix applied rounds() times to x, with a check point every few thousand rounds, so that an
  // emulated GIL held meanwhile changes hands within its switch interval.
  [[nodiscard]] std::uint64_t run(std::uint64_t x) const;
  // Item i's work, the one the kernels' checksums add up: run() on a scrambled i.
  [[nodiscard]] std::uint64_t item(std::uint64_t i) const;
  // The sum of item(i) over [0, items), by an independent loop: the reference a checksum meets.
  [[nodiscard]] std::uint64_t checksum(std::uint64_t items) const;

 private:
  std::uint64_t rounds_ = 0;
};

// Seconds on CLOCK_MONOTONIC: one clock for every process, so that roles' times compare.
double monotonic_s();
// The simulated I/O of one item: the engine's wait (parlab/wait.hpp) for `ns` from now, which an
// emulated GIL releases meanwhile. Sets the thread's timer slack to 1 ns on first use, since the
// 50 us default would blur short waits.
void io_wait(long long ns);

}  // namespace parlab
