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
// The backend with this name, or nullptr: one of backends(), or a family's over one of them
// ("mpi+omp": family mpi over omp; a family's name alone is the family over none).
const backend* find_backend(std::string_view name);

// Backends made from another, named FAMILY+INNER: the mpi library's ranks over any backend. A
// library of its own registers its family (add_backend_family), so that the engine links
// nothing a family needs, and `-b all` stays the backends of one machine.
struct backend_family {
  std::string_view name;  // "mpi"
  std::string_view description;
  // The family over `inner`, or alone when inner is nullptr; throws usage_error when it cannot
  // be made over this inner (the family over itself). The same name gives the same instance.
  std::function<const backend&(const backend* inner)> make;
};
void add_backend_family(backend_family family);
std::span<const backend_family> backend_families();
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
// A kernel from outside the engine joins kernels() for the whole process: the tests' fault
// kernel (tests/fault_kernel.cpp), which no build of `parlab` has. Call it at start-up, before
// anything looks kernels up (it may move the list).
void add_kernel(kernel_entry entry);

}  // namespace parlab
