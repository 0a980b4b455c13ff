#pragma once
// The three kinds of benchmark the suite registers, point by point, so that the engine, the
// hand-written baselines and the bandwidth probe for one (size, threads) run back to back:
// bandwidth here moves by tens of percent from minute to minute, and only ratios taken close
// together in time mean anything.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/caches.hpp"
#include "parlab/backend.hpp"
#include "parlab/params.hpp"
#include "parlab/registry.hpp"

namespace parlab::bench {

// One kernel configuration: the family names it in the benchmark name ("sum", "sum_compute",
// "io"), the args say which parameters vary (size, round ...); threads are appended.
struct engine_case {
  std::string family;
  const kernel_entry* kernel = nullptr;
  param_values values;  // every parameter, defaults filled in
  std::vector<std::string> arg_names;
  std::vector<std::int64_t> arg_values;
  // Only the memory-bound sum is measured beside the baselines' array; other cases free it,
  // since per-run fork copies the page tables of everything the parent holds.
  bool beside_baselines = false;
  // Above zero: every chunk runs under an emulated GIL with this switch interval (--gil,
  // runners/gil.hpp), applied to the task as the runner applies it.
  std::chrono::nanoseconds gil_interval{0};
  // Set: a staged run (parlab/staged_run.hpp), the task's second stage on this backend with
  // cpu_workers workers, its first on the benchmark's backend.
  const backend* cpu_on = nullptr;
  unsigned cpu_workers = 0;
  // One more run after the timed loop, untimed, under runner::memory_watch: peak_rss_bytes,
  // vm_peak_bytes and bytes_per_task counters (threads against async on memory).
  bool measure_memory = false;
};

// "<family>/<backend>/<args>/threads:T/real_time": the kernel prepared once, run on the
// backend, the last result verified.
void register_engine(const engine_case& c, const backend& b, unsigned threads, prepared& store);

// "baseline_sum/<plain|omp|tbb|threads|fork|procpool>/size:N/round:R/threads:T/real_time": the
// int64 sum written by hand, without the engine, over store.data. plain runs at one thread
// only; false when `impl` does not run at this thread count or does not exist.
bool register_baseline(std::string_view impl, std::size_t n, unsigned round, unsigned threads,
                       prepared& store);
std::span<const std::string_view> baseline_names();
// The baseline a backend is compared with for its own overhead, as its traits declare it; ""
// when it declares none or this suite has no such loop.
std::string_view own_baseline(const backend& b);

// "baseline_io/fork/tasks:W/duration_ms:D/round:R/threads:W/real_time": W children forked per
// call, each waiting D ms, by hand: the floor fork() sets for io on the fork backend.
void register_io_baseline(unsigned workers, int duration_ms, unsigned round);

// "baseline_spawn/<threads|fork>/round:R/threads:W/real_time": W workers started and finished
// by hand per call with an empty body (threads: W - 1 std::threads plus the caller), reporting
// spawn_us_per_worker over the workers it saw: the yardstick of the spawn kernel. false when
// `impl` has no such loop.
bool register_spawn_baseline(std::string_view impl, unsigned workers, unsigned round,
                             prepared& store);

// "baseline_async/asio/tasks:N/duration_ms:D/round:R/threads:1/real_time": N coroutines
// co_spawned by hand on one Asio io_context, each waiting D ms on a steady_timer of its own: the
// async backend's yardstick, with its memory counters.
void register_async_baseline(std::size_t tasks, int duration_ms, unsigned round);

// "bandwidth_probe/size:N/round:R/threads:T/real_time": a pure load stream over the same array.
void register_probe(std::size_t n, unsigned round, unsigned threads, iota_cache& data);

}  // namespace parlab::bench
