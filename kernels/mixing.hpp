#pragma once
// The integer mixes the kernels share: one definition each, so that a kernel's reference and
// another kernel's work (pipeline's CPU stage runs sum's mix) are the same function.
#include <cstdint>

namespace parlab {

// A cheap, non-linear integer mix (the splitmix64 finaliser's first half): no closed form for
// the sum of many rounds, so the compiler cannot fold it, and each round costs a multiply. A
// bijection with mix(0) = 0.
constexpr std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  return x;
}

// splitmix64's finaliser: a bijection in which every input bit moves every output bit.
constexpr std::uint64_t scramble(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace parlab
