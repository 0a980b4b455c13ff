#pragma once
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "parlab/backend.hpp"
#include "parlab/kernel.hpp"

namespace parlab {

// Every backend this build has (backends/registry.cpp): seq, threads, tbb, omp, fork.
std::span<const backend* const> backends();
// The backend with this name, or nullptr.
const backend* find_backend(std::string_view name);
// The backend a sweep measures once, first, as the baseline of every speedup: the first that
// does not use the thread count (seq).
const backend& reference_backend();

struct kernel_entry {
  std::string_view name;  // equal to make()->name()
  std::function<std::unique_ptr<kernel>()> make;
};
// Every kernel this build has (kernels/registry.cpp): sum, io, counter, spawn.
std::span<const kernel_entry> kernels();
const kernel_entry* find_kernel(std::string_view name);

}  // namespace parlab
