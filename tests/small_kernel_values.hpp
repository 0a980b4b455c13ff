#pragma once
// Parameters that make every registered kernel small enough to run thousands of times in a test:
// one place, so that a kernel added later is covered by every suite that walks the registry.
#include <cstddef>

#include "parlab/kernel.hpp"
#include "parlab/params.hpp"

namespace parlab::testing {

// `size` elements, or as many tasks of 1 ms; the kernel's own defaults fill the rest.
inline param_values small_values(const kernel& k, double size) {
  param_values v;
  v.set("size", size);
  v.set("tasks", size > 100 ? 8 : size);
  v.set("duration", 0.001);
  v.set("jitter", 0.2);
  v.set("intensity", size > 1000 ? 3 : 0);
  v.set("increments", size);
  v.fill_defaults(k.params());
  return v;
}

}  // namespace parlab::testing
