#include <omp.h>

#include <atomic>

#include "backends/chunking.hpp"
#include "backends/first_error.hpp"
#include "backends/partial_slots.hpp"
#include "backends/pinning.hpp"
#include "parlab/backend.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {

omp_sched_t omp_kind(schedule s) {
  switch (s) {
    case schedule::static_:
      return omp_sched_static;
    case schedule::dynamic:
      return omp_sched_dynamic;
    case schedule::guided:
      return omp_sched_guided;
  }
  return omp_sched_static;
}

// An OpenMP parallel region of num_threads(N) with a worksharing loop. The loop runs over
// chunks of `grain` elements with schedule(runtime) set to the asked kind, so static, dynamic
// and guided keep their OpenMP meaning at chunk granularity; static with no grain is
// OpenMP's default static schedule: one contiguous block per thread.
class omp_parallel_for final : public backend {
 public:
  std::string_view name() const override { return "omp"; }
  std::string_view description() const override {
    return "OpenMP parallel for, num_threads(N), schedule(static|dynamic|guided, grain)";
  }
  // Dynamic teams are off and the team size is checked when concurrency is asked for.
  backend_traits traits() const override {
    return {.promises_concurrency = true,
            .worker = worker_kind::thread,
            .keeps_workers = true,
            .baseline = "omp"};
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override {
    const unsigned n_workers = options.threads;
    const std::size_t n = task.n;
    const std::size_t grain = effective_grain(n, n_workers, options.sched, options.grain);
    const bool blocks = grain == 0;
    const std::size_t n_chunks = blocks ? 0 : (n + grain - 1) / grain;
    detail::partial_slots slots(task, n_workers);
    detail::first_error error(task);
    std::atomic<bool> cancelled{false};
    const detail::pinning pins(options.pin, n_workers);
    const detail::pinning::restore_on_exit restore_caller(pins);

    omp_set_dynamic(0);  // the team must have N threads, not what the runtime thinks best
    omp_set_schedule(omp_kind(options.sched), 1);
#pragma omp parallel num_threads(n_workers)
    {
      const auto w = static_cast<unsigned>(omp_get_thread_num());
      const auto team = static_cast<unsigned>(omp_get_num_threads());
      // The promise of concurrency holds only for a full team (OMP_THREAD_LIMIT may cap it).
      if ((options.start_together || options.all_at_once) && team != n_workers && w == 0) {
        cancelled = true;
        error.capture(std::make_exception_ptr(run_error(
            "omp: a team of " + std::to_string(team) + " threads instead of " +
            std::to_string(n_workers) + " cannot run all workers at once (OMP_THREAD_LIMIT?)")));
      }
      if (options.start_together) {
#pragma omp barrier
      }
      auto run = [&](index_range r) {
        if (r.empty() || cancelled.load(std::memory_order_relaxed)) return;
        try {
          slots.accumulate(w, r);
        } catch (...) {  // an exception must not leave the region
          cancelled = true;
          error.capture(std::current_exception());
        }
      };
      const detail::pinning::restore_on_exit unpin(pins, w != 0);  // team threads outlive the run
      try {
        pins.pin_this_thread(w);
      } catch (...) {
        cancelled = true;
        error.capture(std::current_exception());
      }
      if (blocks) {
        run(detail::static_block(n, team, w));  // the real team size: OMP_THREAD_LIMIT may cap it
      } else {
#pragma omp for schedule(runtime) nowait
        for (std::size_t c = 0; c < n_chunks; ++c) run({c * grain, std::min(n, (c + 1) * grain)});
      }
    }
    error.rethrow_if_any();
    return slots.report(result, pins.describe(), options.start_together);
  }
};

}  // namespace

const backend& omp_backend() {
  static const omp_parallel_for instance;
  return instance;
}

}  // namespace parlab
