#include <thread>
#include <vector>

#include "backends/chunking.hpp"
#include "backends/first_error.hpp"
#include "backends/partial_slots.hpp"
#include "backends/pinning.hpp"
#include "parlab/error.hpp"

namespace parlab {

namespace {

// Raw std::thread, created for every run: what a user writes by hand, creation cost included.
// The calling thread works as worker 0, as an OpenMP master does.
class threads final : public backend {
 public:
  std::string_view name() const override { return "threads"; }
  std::string_view description() const override {
    return "std::thread created per run; static blocks or dynamic/guided chunk claiming";
  }
  backend_traits traits() const override {
    return {.promises_concurrency = true, .worker = worker_kind::thread, .baseline = "threads"};
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override;
};

run_report threads::execute(const reduce_task& task, const run_options& options,
                            void* result) const {
  const unsigned n_workers = options.threads;
  const std::size_t grain = effective_grain(task.n, n_workers, options.sched, options.grain);
  detail::partial_slots slots(task, n_workers);
  detail::chunk_cursor cursor;
  cursor.reset(options);
  detail::first_error error(task);
  const detail::pinning pins(options.pin, n_workers);

  auto work = [&](unsigned w) {
    try {
      pins.pin_this_thread(w);
      detail::for_each_chunk(task.n, n_workers, w, options.sched, grain, cursor,
                             [&](index_range r) { slots.accumulate(w, r); });
    } catch (...) {
      cursor.cancelled = true;
      error.capture(std::current_exception());
    }
  };

  {
    const detail::pinning::restore_on_exit restore_caller(pins);
    std::vector<std::jthread> pool;
    pool.reserve(n_workers - 1);
    try {
      for (unsigned w = 1; w < n_workers; ++w) pool.emplace_back(work, w);
    } catch (const std::system_error& e) {
      cursor.cancelled = true;
      const std::size_t started = pool.size() + 1;
      pool.clear();  // joins those that started
      throw run_error("threads: could not start thread " + std::to_string(started + 1) + " of " +
                      std::to_string(n_workers) + ": " + e.what());
    }
    work(0);
  }  // joins every worker
  error.rethrow_if_any();
  return slots.report(result, pins.describe(), options.start_together);
}

}  // namespace

const backend& threads_backend() {
  static const threads instance;
  return instance;
}

}  // namespace parlab
