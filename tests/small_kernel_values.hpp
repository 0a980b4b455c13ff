#pragma once
// Parameters that make every registered kernel small enough to run thousands of times in a test:
// one place, so that a kernel added later is covered by every suite that walks the registry.
// And the one way a test prepares a registered kernel with values of its own.
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>

#include "parlab/kernel.hpp"
#include "parlab/params.hpp"
#include "parlab/registry.hpp"

namespace parlab::testing {

// The registered kernel `name` prepared with these values (in the kinds' units, a choice as its
// index) and its defaults for the rest; nullptr when the build has no such kernel.
inline std::unique_ptr<kernel> prepared(
    std::string_view name, std::initializer_list<std::pair<const char*, double>> values) {
  const kernel_entry* entry = find_kernel(name);
  if (entry == nullptr) return nullptr;
  auto k = entry->make();
  param_values v;
  for (const auto& [key, value] : values) v.set(key, value);
  v.fill_defaults(k->params());
  k->prepare(v);
  return k;
}

// `size` elements, or as many tasks of 1 ms; the kernel's own defaults fill the rest.
inline param_values small_values(const kernel& k, double size) {
  param_values v;
  v.set("size", size);
  v.set("tasks", size > 100 ? 8 : size);
  v.set("duration", 0.001);
  v.set("jitter", 0.2);
  v.set("intensity", size > 1000 ? 3 : 0);
  v.set("increments", size);
  v.set("items", size > 12 ? 12 : size);  // pipeline: 12 items of 1 ms I/O and 0.2 ms of CPU
  v.set("cpu", 0.0002);
  v.fill_defaults(k.params());
  return v;
}

}  // namespace parlab::testing
