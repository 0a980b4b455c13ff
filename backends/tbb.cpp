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
#include <vector>

#include "backends/partial_slots.hpp"
#include "backends/pinning.hpp"
#include "parlab/backend.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {

// Pins each thread that enters its arena to the CPU of its arena slot, and unpins it on the way
// out: TBB's workers outlive the run and must not stay bound. One observer per pinned arena,
// observing for the arena's life: a per-run observer's observe(false) leaves its proxy to the
// worker that last notified it, which may not free it before the process exits (LeakSanitizer
// reported it in every ASan run; docs/RELIABILITY.md). The mutex orders the caller's plan with
// the workers' reads, which TBB hands over inside uninstrumented libtbb, and keeps a worker from
// reading a plan whose run has ended.
class arena_pinner final : public tbb::task_scheduler_observer {
 public:
  explicit arena_pinner(tbb::task_arena& arena)
      : tbb::task_scheduler_observer(arena), all_(detail::allowed_cpus()) {
    observe(true);
  }
  arena_pinner(const arena_pinner&) = delete;
  arena_pinner& operator=(const arena_pinner&) = delete;

  // The run's plan while it runs; nullptr after it (a late worker then stays unpinned).
  void use(const detail::pinning* pins) {
    std::lock_guard lock(mutex_);
    pins_ = pins;
  }
  void on_scheduler_entry(bool) override {
    std::lock_guard lock(mutex_);
    if (pins_ != nullptr)
      pins_->pin_this_thread(static_cast<unsigned>(tbb::this_task_arena::current_thread_index()));
  }
  void on_scheduler_exit(bool) override {
    cpu_set_t mask;
    CPU_ZERO(&mask);
    for (int c : all_) CPU_SET(c, &mask);
    sched_setaffinity(0, sizeof mask, &mask);
  }

 private:
  std::mutex mutex_;
  const detail::pinning* pins_ = nullptr;
  const std::vector<int> all_;
};

// Sets the arena's plan for one run and clears it when the run ends, however it ends.
class pinned_run {
 public:
  pinned_run(arena_pinner* pinner, const detail::pinning& pins) : pinner_(pinner) {
    if (pinner_ != nullptr) pinner_->use(&pins);
  }
  ~pinned_run() {
    if (pinner_ != nullptr) pinner_->use(nullptr);
  }
  pinned_run(const pinned_run&) = delete;
  pinned_run& operator=(const pinned_run&) = delete;

 private:
  arena_pinner* pinner_;
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

// One arena of exactly N slots per N and per pinned or not, kept for the process's life as a user
// would keep theirs: an arena created per run cost 3-6 us more at 1e4-1e6 elements and its workers
// arrived too late to take a share of a sub-millisecond run. A pinned arena has its observer, an
// unpinned one none (an observer costs ~1 us per run even when idle). Never destroyed, so that no
// observer is ever removed while a worker may still hold it (above).
struct kept_arena {
  explicit kept_arena(unsigned n, bool pinned) : arena(static_cast<int>(n)) {
    arena.initialize();
    if (pinned) pinner = std::make_unique<arena_pinner>(arena);
  }
  tbb::task_arena arena;
  std::unique_ptr<arena_pinner> pinner;
};

kept_arena& arena_of(unsigned n, bool pinned) {
  static std::mutex mutex;
  static auto* arenas = new std::map<std::pair<unsigned, bool>, std::unique_ptr<kept_arena>>;
  std::lock_guard lock(mutex);
  std::unique_ptr<kept_arena>& kept = (*arenas)[{n, pinned}];
  if (!kept) kept = std::make_unique<kept_arena>(n, pinned);
  return *kept;
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
    kept_arena& kept = arena_of(n_workers, pins.active());
    const pinned_run placed(kept.pinner.get(), pins);
    tbb::task_arena& arena = kept.arena;

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
    run_report report = slots.report(result, pins.describe(), false);
    report.workers_seen = seen.count();
    return report;
  }
};

}  // namespace

const backend& tbb_backend() {
  static const tbb_arena instance;
  return instance;
}

}  // namespace parlab
