#include <memory>
#include <string>

#include "parlab/coverage.hpp"
#include "parlab/kernel.hpp"

namespace parlab {
namespace {

// Lesson 2, the price of a worker: a body that does nothing, so a run's time is what the backend
// pays to start and finish its workers (a std::thread per run, a TBB task in a kept arena, an
// OpenMP region, a fork per run, a post to a pooled process). Per worker is the run's time over
// the workers that ran the body, the caller included where it works as worker 0 (threads, omp):
// on threads, N workers cost N - 1 thread creations and joins plus the caller's share.
class spawn_kernel final : public typed_kernel<coverage> {
 public:
  std::string_view name() const override { return "spawn"; }
  std::string_view description() const override {
    return "the price of a worker: an empty body; records spawn_us_per_worker";
  }
  std::vector<param_spec> params() const override { return {}; }
  kernel_traits traits() const override { return {.work = work_kind::none}; }

  void prepare(const param_values&) override {}
  coverage body(index_range r) const override { return coverage::of(r); }
  coverage combine(const coverage& a, const coverage& b) const override { return a + b; }
  verdict check(const coverage& c) const override {
    return {c.is_exactly(indices), std::to_string(c.count) + " of " + std::to_string(indices) +
                                       " indices, each once" +
                                       (c.is_exactly(indices) ? "" : ": no")};
  }
  std::vector<record_field> fields(const coverage&, const run_summary& runs) const override {
    const double per = runs.workers_seen > 0 ? runs.median_s * 1e6 / runs.workers_seen : 0;
    return {{"spawn_us_per_worker", per}};
  }
  work_amount work() const override { return {0, 0, 0}; }

 protected:
  std::size_t task_size() const override { return indices; }

 private:
  // More indices than any thread count, so every worker gets some under any schedule; the body
  // costs nanoseconds for all of them.
  static constexpr std::size_t indices = 1 << 16;
};

}  // namespace

std::unique_ptr<kernel> make_spawn_kernel() { return std::make_unique<spawn_kernel>(); }

}  // namespace parlab
