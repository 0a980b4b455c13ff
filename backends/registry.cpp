#include "parlab/registry.hpp"

#include <algorithm>
#include <utility>
#include <vector>

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

namespace {
std::vector<backend_family>& families() {
  static std::vector<backend_family> all;
  return all;
}
}  // namespace

void add_backend_family(backend_family family) {
  for (const backend_family& f : families())
    if (f.name == family.name) return;
  families().push_back(std::move(family));
}

std::span<const backend_family> backend_families() { return families(); }

const backend* find_backend(std::string_view name) {
  const auto all = backends();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const backend* b) { return b->name() == name; });
  if (it != all.end()) return *it;
  const std::string_view head = name.substr(0, name.find('+'));
  for (const backend_family& f : families()) {
    if (f.name != head) continue;
    if (head.size() == name.size()) return &f.make(nullptr);
    const backend* inner = find_backend(name.substr(head.size() + 1));
    return inner == nullptr ? nullptr : &f.make(inner);
  }
  return nullptr;
}

}  // namespace parlab
