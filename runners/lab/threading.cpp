#include <fmt/format.h>

#include "parlab/registry.hpp"
#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {
namespace {

constexpr unsigned waits = 4;
constexpr std::string_view io_seq = "io, 1 thread";
constexpr std::string_view io_threads = "io, threads";
constexpr std::string_view sum_seq = "compute sum, 1 thread";
constexpr std::string_view sum_threads = "compute sum, threads";

// Notebook section 4: threads speed up waiting. The compute-bound sum beside it shows what C++
// threads do that Python's cannot: without a GIL they compute on every core at once.
class threading final : public lesson {
 public:
  std::string_view name() const override { return "threading"; }
  unsigned number() const override { return 4; }
  std::string_view claim() const override { return "threads speed up I/O waits"; }

  std::vector<trial> measure(context& ctx) const override {
    const backend& threads = concurrent(worker_kind::thread);
    const std::vector<setting> io = io_waits(ctx, waits);
    const std::vector<setting> sum = compute_bound_sum(ctx);
    return {ctx.measure({std::string(io_seq), "io", io, reference_backend(), 1}),
            ctx.measure({std::string(io_threads), "io", io, threads, waits}),
            ctx.measure({std::string(sum_seq), "sum", sum, reference_backend(), 1}),
            ctx.measure({std::string(sum_threads), "sum", sum, threads, ctx.cores()})};
  }

  outcome judge(std::vector<trial> trials) const override {
    relate(trials, io_threads, io_seq);
    relate(trials, sum_threads, sum_seq);
    const record& seq = find(trials, io_seq);
    const record& io = find(trials, io_threads);
    const record& sum = find(trials, sum_threads);
    const double ideal = io.ideal_s > 0 ? seq.ideal_s / io.ideal_s : 0;
    checks c;
    c.must(scales(io, ideal),
           fmt::format("{} waits on {} threads ran {} faster than on 1 (ideal {}, at least {} "
                       "expected)",
                       waits, io.threads, times(io.speedup), times(ideal),
                       times(ideal / timing_margin)));
    c.note(fmt::format(
        "the compute-bound sum ran {} faster on {} threads: C++ threads compute on every core at "
        "once, Python's take turns under the GIL (lesson 3)",
        times(sum.speedup), sum.threads));
    table t = tabulate(
        trials, {col::backend(), col::workers(), col::median(), col::speedup(), col::over()});
    return {std::move(trials), std::move(t), c.result()};
  }
};

}  // namespace

const lesson& threading_lesson() {
  static const threading l;
  return l;
}

}  // namespace parlab::runner::lab
