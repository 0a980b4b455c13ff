#include "parlab/kernel.hpp"

#include <string>

#include "parlab/error.hpp"

namespace parlab {

std::string_view to_string(work_kind w) {
  switch (w) {
    case work_kind::compute:
      return "compute";
    case work_kind::memory_stream:
      return "memory stream";
    case work_kind::waits:
      return "waits";
    case work_kind::waits_and_compute:
      return "waits and compute";
    case work_kind::contention:
      return "contention";
    case work_kind::none:
      return "none";
  }
  return "?";
}

void check_slice(index_range owned, std::size_t n) {
  if (owned.begin > owned.end || owned.end > n)
    throw usage_error("a slice [" + std::to_string(owned.begin) + ", " + std::to_string(owned.end) +
                      ") of an index space of " + std::to_string(n));
}

void kernel::prepare_slice(const param_values& values, index_range owned) {
  const std::size_t n = index_space(values);
  if (owned == index_range{0, n}) return prepare(values);
  throw usage_error("kernel " + std::string(name()) + " cannot prepare a slice [" +
                    std::to_string(owned.begin) + ", " + std::to_string(owned.end) + ") of " +
                    std::to_string(n) + ": its work does not split by index");
}

}  // namespace parlab
