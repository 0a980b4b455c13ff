#include <fmt/format.h>

#include "parlab/registry.hpp"
#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {
namespace {

constexpr std::string_view in_a_row = "3 waits in a row";
constexpr std::string_view at_once = "3 waits at once";

// Notebook section 1: waiting is not working, so waits overlap on concurrent workers.
class sequential final : public lesson {
 public:
  std::string_view name() const override { return "sequential"; }
  unsigned number() const override { return 1; }
  std::string_view claim() const override {
    return "three waits take their sum in a row and about one wait concurrently";
  }

  std::vector<trial> measure(context& ctx) const override {
    const std::vector<setting> waits = io_waits(ctx, 3);
    return {ctx.measure({std::string(in_a_row), "io", waits, reference_backend(), 1}),
            ctx.measure({std::string(at_once), "io", waits, concurrent(worker_kind::thread), 3})};
  }

  outcome judge(std::vector<trial> trials) const override {
    relate(trials, at_once, in_a_row);
    const record& row = find(trials, in_a_row);
    const record& once = find(trials, at_once);
    checks c;
    c.must(near_ideal(row), fmt::format("in a row they took {} (their sum: {})",
                                        seconds(row.median_s), seconds(row.ideal_s)));
    c.must(near_ideal(once), fmt::format("on {} {} at once they took {} (one wait: {}), {} faster",
                                         once.threads, once.backend, seconds(once.median_s),
                                         seconds(once.ideal_s), times(once.speedup)));
    table t = tabulate(trials, {col::backend(), col::workers(), col::median(), col::ideal(),
                                col::speedup(), col::over()});
    return {std::move(trials), std::move(t), c.result()};
  }
};

}  // namespace

const lesson& sequential_lesson() {
  static const sequential l;
  return l;
}

}  // namespace parlab::runner::lab
