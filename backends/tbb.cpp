#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_scheduler_observer.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "backends/partial_slots.hpp"
#include "backends/pinning.hpp"
#include "parlab/backend.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {

// Pins each thread that enters the arena to the CPU of its arena slot, and unpins it on the way
// out: TBB's workers outlive the run and must not stay bound.
class arena_pinner final : public tbb::task_scheduler_observer {
 public:
  arena_pinner(tbb::task_arena& arena, const detail::pinning& pins)
      : tbb::task_scheduler_observer(arena), pins_(pins), all_(detail::allowed_cpus()) {
    observe(true);
  }
  ~arena_pinner() override { observe(false); }
  arena_pinner(const arena_pinner&) = delete;
  arena_pinner& operator=(const arena_pinner&) = delete;

  void on_scheduler_entry(bool) override {
    pins_.pin_this_thread(static_cast<unsigned>(tbb::this_task_arena::current_thread_index()));
  }
  void on_scheduler_exit(bool) override {
    cpu_set_t mask;
    CPU_ZERO(&mask);
    for (int c : all_) CPU_SET(c, &mask);
    sched_setaffinity(0, sizeof mask, &mask);
  }

 private:
  const detail::pinning& pins_;
  std::vector<int> all_;
};

// Counts the distinct threads that ran a chunk in one run. Arena slots are not threads: a worker
// that leaves the arena and re-enters may take another slot, and would be counted twice. Each
// thread compares the run's id with the last one it saw (a thread_local, no lock per chunk) and
// counts itself once.
class distinct_threads {
 public:
  distinct_threads() : run_(next_run_.fetch_add(1, std::memory_order_relaxed) + 1) {}
  void mark() {
    thread_local std::uint64_t last_run = 0;
    if (last_run == run_) return;
    last_run = run_;
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] unsigned count() const { return count_.load(std::memory_order_relaxed); }

 private:
  static inline std::atomic<std::uint64_t> next_run_{0};
  std::uint64_t run_;
  std::atomic<unsigned> count_{0};
};

// One arena of exactly N slots per N, kept for the process's life as a user would keep theirs:
// an arena created per run cost 3-6 us more at 1e4-1e6 elements and its workers arrived too late
// to take a share of a sub-millisecond run.
tbb::task_arena& arena_of(unsigned n) {
  static std::mutex mutex;
  static std::map<unsigned, std::unique_ptr<tbb::task_arena>> arenas;
  std::lock_guard lock(mutex);
  std::unique_ptr<tbb::task_arena>& arena = arenas[n];
  if (!arena) {
    arena = std::make_unique<tbb::task_arena>(static_cast<int>(n));
    arena->initialize();
  }
  return *arena;
}

// A task_arena of exactly N slots. The arena size alone is a cap, not a promise: above the core
// count TBB runs only its default number of workers, so a global_control scoped to the run
// raises the process-wide limit to N (docs/PITFALLS.md: efficiency 0.12 -> 0.97 for 32 sleeps on
// 16). Below that count it is not needed, and not made: changing the limit costs every run.
class tbb_arena final : public backend {
 public:
  std::string_view name() const override { return "tbb"; }
  std::string_view description() const override {
    return "oneTBB task_arena of N with run-scoped global_control; static/simple/auto partitioner";
  }
  // An arena of N slots may run N tasks on fewer threads: no promise of concurrency.
  backend_traits traits() const override {
    return {.promises_concurrency = false,
            .worker = worker_kind::thread,
            .keeps_workers = true,
            .baseline = "tbb"};
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override {
    const unsigned n_workers = options.threads;
    const std::size_t grain = effective_grain(task.n, n_workers, options.sched, options.grain);
    detail::partial_slots slots(task, n_workers);
    const detail::pinning pins(options.pin, n_workers);
    const detail::pinning::restore_on_exit restore_caller(pins);

    std::optional<tbb::global_control> limit;
    if (n_workers > static_cast<unsigned>(tbb::info::default_concurrency()))
      limit.emplace(tbb::global_control::max_allowed_parallelism, n_workers);
    tbb::task_arena& arena = arena_of(n_workers);
    std::optional<arena_pinner> pinner;  // an observer costs ~1 us per run even when idle
    if (pins.active()) pinner.emplace(arena, pins);

    distinct_threads seen;
    auto body = [&](const tbb::blocked_range<std::size_t>& r) {
      const int slot = tbb::this_task_arena::current_thread_index();
      if (slot < 0 || static_cast<unsigned>(slot) >= n_workers)
        throw run_error("tbb: a thread ran outside the arena's slots (index " +
                        std::to_string(slot) + ")");
      seen.mark();
      slots.accumulate(static_cast<unsigned>(slot), index_range{r.begin(), r.end()});
    };
    arena.execute([&] {
      if (task.n == 0) return;
      switch (options.sched) {
        case schedule::static_:
          tbb::parallel_for(tbb::blocked_range<std::size_t>(0, task.n, grain > 0 ? grain : 1), body,
                            tbb::static_partitioner{});
          break;
        case schedule::dynamic:
          tbb::parallel_for(tbb::blocked_range<std::size_t>(0, task.n, grain), body,
                            tbb::simple_partitioner{});
          break;
        case schedule::guided:
          tbb::parallel_for(tbb::blocked_range<std::size_t>(0, task.n, grain), body,
                            tbb::auto_partitioner{});
          break;
      }
    });
    slots.combine_into(result);
    return {seen.count(), pins.describe()};
  }
};

}  // namespace

const backend& tbb_backend() {
  static const tbb_arena instance;
  return instance;
}

}  // namespace parlab
