#pragma once
// Prepared data kept between the calls Google Benchmark makes to one benchmark (it calls the
// function several times while it sizes the iteration count) and across the benchmarks of one
// size. Each cache holds one entry: the suite runs size by size, and the headline size is
// 1.6 GB, so keeping every size would hold gigabytes for nothing.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "bench/settle.hpp"
#include "parlab/huge_array.hpp"
#include "parlab/kernel.hpp"
#include "parlab/registry.hpp"

namespace parlab::bench {

// One prepared kernel instance and its task, shared by every backend measured on the same
// parameters. The task is kept too: forkpool keeps its processes for as long as it is handed
// the same task, so a new task per Google Benchmark call would time a new pool's first runs.
class kernel_cache {
 public:
  struct prepared_kernel {
    const kernel& k;
    const reduce_task& task;
  };
  prepared_kernel get(const kernel_entry& entry, const param_values& values);
  // Bytes of kernel data freed since the last call (the bytes a run reads, as the kernel says).
  std::size_t take_freed() { return std::exchange(freed_, 0); }

 private:
  std::size_t freed_ = 0;
  std::string key_;
  std::unique_ptr<kernel> kernel_;
  reduce_task task_;
};

// a[i] = i over n int64 in a huge-page mapping first-touched in parallel, the layout the sum
// kernel uses (docs/PITFALLS.md: what makes per-run fork fast): what baselines and the probe read.
// It is MADV_DONTFORK: a fork copies a page-table page per 2 MiB the parent holds, and the
// engine's fork children, which never read this array, would pay for it (at 2e8, 2 x 1.6 GB
// made per-run fork 0.84 of threads instead of 0.90 in `parlab run`). Only the fork baseline's
// children see it, inside a children_see_data scope.
class iota_cache {
 public:
  std::span<const std::int64_t> get(std::size_t n);
  void release();
  class children_see_data {
   public:
    explicit children_see_data(const iota_cache& cache);
    ~children_see_data();
    children_see_data(const children_see_data&) = delete;
    children_see_data& operator=(const children_see_data&) = delete;

   private:
    const iota_cache& cache_;
  };
  std::size_t take_freed() { return std::exchange(freed_, 0); }

 private:
  // Whether children forked from now on map the array; false if madvise failed.
  bool inherit(bool by_children) const noexcept;
  void must_inherit(bool by_children) const;  // throws run_error if madvise failed
  huge_array<std::int64_t> data_;
  std::size_t freed_ = 0;
};

// Everything prepared that outlives one benchmark call.
struct prepared {
  iota_cache data;
  kernel_cache kernels;
  unsigned cores = 1;
  // Before `next` is timed: if gigabytes were freed since the last check, waits until the
  // machine stops stalling (bench/settle.hpp) and says so on stderr.
  void settle_if_freed(const std::string& next);
  // The wait, as counters for every call of the benchmark it came before: Google Benchmark
  // reports only a benchmark's last call, and the wait happens in its first.
  void add_settle_counters(const std::string& name, benchmark::State& state) const;

 private:
  std::string settled_before_;
  settle_report settled_;
  double freed_gb_ = 0;
};

}  // namespace parlab::bench
