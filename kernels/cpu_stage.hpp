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

 private:
  std::uint64_t rounds_ = 0;
};

}  // namespace parlab
