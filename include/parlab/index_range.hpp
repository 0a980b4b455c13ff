#pragma once
#include <cstddef>

namespace parlab {

// A half-open range [begin, end) of indices into a kernel's work.
struct index_range {
  std::size_t begin = 0;
  std::size_t end = 0;

  [[nodiscard]] constexpr std::size_t size() const { return end - begin; }
  [[nodiscard]] constexpr bool empty() const { return end <= begin; }
  friend constexpr bool operator==(const index_range&, const index_range&) = default;
};

}  // namespace parlab
