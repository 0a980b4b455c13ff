#include <sched.h>

#include "parlab/backend.hpp"

namespace parlab {

namespace {

// The baseline every speedup is measured against: the body over the whole range, on the
// calling thread, with no scheduling at all. The thread count is ignored.
class seq final : public backend {
 public:
  std::string_view name() const override { return "seq"; }
  std::string_view description() const override {
    return "sequential baseline: the body over the whole range on the calling thread";
  }
  backend_traits traits() const override {
    return {.uses_thread_count = false,
            .shares_memory = true,
            .promises_concurrency = false,
            .worker = worker_kind::caller,
            .baseline = "plain"};
  }

 protected:
  run_report execute(const reduce_task& task, const run_options&, void* result) const override {
    if (task.n == 0) {
      task.identity(result);
      return {0, {}};
    }
    run_report report{1, {}};
    report.worker_cpus = {sched_getcpu()};
    task.evaluate(index_range{0, task.n}, result);
    return report;
  }
};

}  // namespace

const backend& seq_backend() {
  static const seq instance;
  return instance;
}

}  // namespace parlab
