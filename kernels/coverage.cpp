#include "parlab/coverage.hpp"

#include "parlab/huge_array.hpp"

namespace parlab {
namespace {

// 1 + 4 + ... + n^2 = n(n+1)(2n+1)/6 modulo 2^64: the 2 and the 3 are divided out of the factors
// that hold them before the products wrap.
std::uint64_t squares_to(std::uint64_t n) {
  std::uint64_t a = n, b = n + 1, c = 2 * n + 1;
  (a % 2 == 0 ? a : b) /= 2;
  (a % 3 == 0 ? a : b % 3 == 0 ? b : c) /= 3;
  return a * b * c;
}

}  // namespace

coverage coverage::of(index_range r) {
  if (r.empty()) return {};
  return {r.size(), iota_sum(r.end) - iota_sum(r.begin), squares_to(r.end) - squares_to(r.begin)};
}

bool coverage::is_exactly(std::uint64_t n) const {
  return count == n && sum == iota_sum(n) && squares == squares_to(n);
}

}  // namespace parlab
