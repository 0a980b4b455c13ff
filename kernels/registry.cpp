#include "parlab/registry.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace parlab {

// Each kernel is one file defining one of these; adding a kernel adds one line to each list.
std::unique_ptr<kernel> make_sum_kernel();
std::unique_ptr<kernel> make_io_kernel();
std::unique_ptr<kernel> make_counter_kernel();
std::unique_ptr<kernel> make_spawn_kernel();
std::unique_ptr<kernel> make_pipeline_kernel();
std::unique_ptr<kernel> make_mixed_kernel();

namespace {

std::vector<kernel_entry>& registered() {
  static std::vector<kernel_entry> all = {
      {"sum", make_sum_kernel},           {"io", make_io_kernel},
      {"counter", make_counter_kernel},   {"spawn", make_spawn_kernel},
      {"pipeline", make_pipeline_kernel}, {"mixed", make_mixed_kernel},
  };
  return all;
}

}  // namespace

std::span<const kernel_entry> kernels() { return registered(); }

void add_kernel(kernel_entry entry) { registered().push_back(std::move(entry)); }

const kernel_entry* find_kernel(std::string_view name) {
  const auto all = kernels();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const kernel_entry& k) { return k.name == name; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace parlab
