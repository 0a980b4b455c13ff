#include "parlab/registry.hpp"

#include <algorithm>

namespace parlab {

// Each backend is one file defining one of these; adding a backend adds one line to each list.
const backend& seq_backend();
const backend& threads_backend();
const backend& tbb_backend();
const backend& omp_backend();
const backend& fork_backend();
const backend& forkpool_backend();
const backend& async_backend();

std::span<const backend* const> backends() {
  static const backend* const all[] = {
      &seq_backend(),  &threads_backend(),  &tbb_backend(),   &omp_backend(),
      &fork_backend(), &forkpool_backend(), &async_backend(),
  };
  return all;
}

const backend& reference_backend() {
  const auto all = backends();
  const auto it = std::find_if(all.begin(), all.end(),
                               [](const backend* b) { return !b->traits().uses_thread_count; });
  return it == all.end() ? *all.front() : **it;
}

const backend* find_backend(std::string_view name) {
  const auto all = backends();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const backend* b) { return b->name() == name; });
  return it == all.end() ? nullptr : *it;
}

}  // namespace parlab
