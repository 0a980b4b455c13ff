#include "parlab/registry.hpp"

#include <algorithm>

namespace parlab {

// Each kernel is one file defining one of these; adding a kernel adds one line to each list.
std::unique_ptr<kernel> make_sum_kernel();
std::unique_ptr<kernel> make_io_kernel();
std::unique_ptr<kernel> make_counter_kernel();
std::unique_ptr<kernel> make_spawn_kernel();
std::unique_ptr<kernel> make_pipeline_kernel();
std::unique_ptr<kernel> make_mixed_kernel();

std::span<const kernel_entry> kernels() {
  static const kernel_entry all[] = {
      {"sum", make_sum_kernel},           {"io", make_io_kernel},
      {"counter", make_counter_kernel},   {"spawn", make_spawn_kernel},
      {"pipeline", make_pipeline_kernel}, {"mixed", make_mixed_kernel},
  };
  return all;
}

const kernel_entry* find_kernel(std::string_view name) {
  const auto all = kernels();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const kernel_entry& k) { return k.name == name; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace parlab
