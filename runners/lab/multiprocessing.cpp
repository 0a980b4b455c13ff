#include <fmt/format.h>

#include <algorithm>

#include "parlab/registry.hpp"
#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {
namespace {

constexpr std::string_view io_processes = "3 waits, processes";
constexpr std::string_view sum_seq = "compute sum, 1 process";
constexpr std::string_view sum_processes = "compute sum, processes";

// Notebook section 5. Its own multiprocessing cell printed 0.37 s for three 2 s waits, which
// cannot be: its children never ran the waits. Here every task is verified, so the waits take
// one wait, never less.
class multiprocessing final : public lesson {
 public:
  std::string_view name() const override { return "multiprocessing"; }
  unsigned number() const override { return 5; }
  std::string_view claim() const override {
    return "processes speed up CPU-bound work too, and every task is verified";
  }

  std::vector<trial> measure(context& ctx) const override {
    const backend& processes = concurrent(worker_kind::process);
    const std::vector<setting> sum = compute_bound_sum(ctx);
    return {ctx.measure({std::string(io_processes), "io", io_waits(ctx, 3), processes, 3}),
            ctx.measure({std::string(sum_seq), "sum", sum, reference_backend(), 1}),
            ctx.measure({std::string(sum_processes), "sum", sum, processes, ctx.cores()})};
  }

  outcome judge(std::vector<trial> trials) const override {
    relate(trials, sum_processes, sum_seq);
    const record& io = find(trials, io_processes);
    checks c;
    c.must(near_ideal(io),
           fmt::format("3 waits on {} {} processes took {}, one wait is {}, every wait verified: "
                       "a time below one wait would mean the waits never ran",
                       io.threads, io.backend, seconds(io.median_s), seconds(io.ideal_s)));
    check_cpu_scaling(c, trial_of(trials, sum_processes), "the compute-bound sum");
    table t = tabulate(trials, {col::backend(), col::workers(), col::median(), col::ideal(),
                                col::speedup(), col::over()});
    return {std::move(trials), std::move(t), c.result()};
  }
};

}  // namespace

const lesson& multiprocessing_lesson() {
  static const multiprocessing l;
  return l;
}

}  // namespace parlab::runner::lab
