#include "parlab/kernel.hpp"

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

}  // namespace parlab
