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
  // The kernel prepared now, if any: its data is in this process whatever runs next.
  [[nodiscard]] const kernel* held() const { return kernel_.get(); }
  // Bytes of kernel data freed since the last call (the bytes a run reads, as the kernel says).
  std::size_t take_freed() { return std::exchange(freed_, 0); }

 private:
  std::size_t freed_ = 0;
  std::string key_;
  std::unique_ptr<kernel> kernel_;
  reduce_task task_;
};

// a[i] = i + 1 over n int64 in a huge-page mapping first-touched in parallel, the layout the
// sum kernel uses (docs/PITFALLS.md: what makes per-run fork fast): what baselines and the probe
// read. It is not inherited by children: a fork copies a page-table page per 2 MiB the parent
// holds, and the engine's fork children, which never read this array, would pay for it (at
// 2e8, 2 x 1.6 GB made per-run fork 0.84 of threads instead of 0.90 in `parlab run`). Only the
// hand-written process baselines' children see it, inside a baselines_fork_scope.
class iota_cache {
 public:
  std::span<const std::int64_t> get(std::size_t n);
  void release();
  [[nodiscard]] const huge_array_base& array() const { return data_; }
  std::size_t take_freed() { return std::exchange(freed_, 0); }

 private:
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

// While it lives, children forked see the baselines' array and none of the kernel's data. The
// engine's fork children see the kernel's data and not the baselines' array, so the
// hand-written process baselines' children then inherit one array as the engine's do, and both
// forks pay the page tables of one array: `fork / own baseline` compares like with like.
class baselines_fork_scope {
 public:
  explicit baselines_fork_scope(const prepared& store);  // throws run_error if madvise fails
  ~baselines_fork_scope() { restore(); }
  baselines_fork_scope(const baselines_fork_scope&) = delete;
  baselines_fork_scope& operator=(const baselines_fork_scope&) = delete;

 private:
  void restore() const noexcept;
  const prepared& store_;
};

}  // namespace parlab::bench
