#pragma once
// A partial that identifies which indices a run covered, not only how many: the count, the sum
// of i + 1 and the sum of (i + 1)^2 over them, each in O(1) per range from closed forms, so a
// kernel whose body does little (the race, the spawn cost) can verify that every index ran
// exactly once without a per-index loop in its timed body. A range run twice, one skipped, or
// [0, 2) twice in place of [2, 4) changes the sums (docs/ENGINE.md, the verification rule).
#include <cstdint>

#include "parlab/index_range.hpp"

namespace parlab {

struct coverage {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;      // of i + 1, modulo 2^64
  std::uint64_t squares = 0;  // of (i + 1)^2, modulo 2^64

  // The coverage of one range.
  static coverage of(index_range r);
  // Exactly [0, n), each index once.
  [[nodiscard]] bool is_exactly(std::uint64_t n) const;
  friend coverage operator+(const coverage& a, const coverage& b) {
    return {a.count + b.count, a.sum + b.sum, a.squares + b.squares};
  }
};

}  // namespace parlab
