#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {
namespace {

constexpr std::array<std::string_view, 3> fixes = {"mutex", "atomic", "sharded"};
constexpr std::string_view unsafe_threads = "unsafe, threads";
constexpr std::string_view unsafe_processes = "unsafe, processes";
constexpr std::string_view atomic_shared = "atomic, processes --shared";
constexpr std::string_view sharded_processes = "sharded, processes";
// The notebook's 5 threads x 100,000 increments is too few here: on a busy machine two workers of
// a few milliseconds may never run at once. The race gets longer than a scheduler time slice.
constexpr double increments_quick = 4e6, increments = 4e7, race_factor = 10;

std::string threads_label(std::string_view mode) { return fmt::format("{}, threads", mode); }

// Notebook section 7: the race and its fixes, and why processes do not race at all.
class race final : public lesson {
 public:
  std::string_view name() const override { return "race"; }
  unsigned number() const override { return 7; }
  std::string_view claim() const override {
    return "unsafe increments lose updates; mutex, atomic and sharded are exact at different "
           "costs; processes are isolated unless the counter is shared";
  }

  std::vector<trial> measure(context& ctx) const override {
    const backend& threads = concurrent(worker_kind::thread);
    const backend& processes = concurrent(worker_kind::process);
    const unsigned n = std::clamp(ctx.cores(), 2U, 4U);  // a race needs two at once
    const double m = ctx.quick() ? increments_quick : increments;
    auto run = [&](std::string_view label, std::string_view mode, const backend& b, bool shared) {
      const double count = label == unsafe_threads ? race_factor * m : m;
      return ctx.measure(
          {std::string(label),
           "counter",
           {{"increments", count}, {"mode", std::string(mode)}, {"shared", shared ? 1.0 : 0.0}},
           b,
           n});
    };
    std::vector<trial> trials{run(unsafe_threads, "unsafe", threads, false)};
    for (std::string_view fix : fixes)
      trials.push_back(run(threads_label(fix), fix, threads, false));
    trials.push_back(run(unsafe_processes, "unsafe", processes, false));
    trials.push_back(run(atomic_shared, "atomic", processes, true));
    trials.push_back(run(sharded_processes, "sharded", processes, false));
    return trials;
  }

  outcome judge(std::vector<trial> trials) const override {
    checks c;
    const record& unsafe = find(trials, unsafe_threads);
    c.chance(
        int_field(unsafe, "lost_updates") > 0,
        int_field(unsafe, "lost_updates") > 0
            ? fmt::format("unsafe lost {} of {} updates on {} threads",
                          int_field(unsafe, "lost_updates"), int_field(unsafe, "expected"),
                          unsafe.threads)
            : fmt::format("unsafe lost no update this time: its {} threads did not overlap "
                          "enough; a race depends on chance, try more increments (parlab "
                          "run -k counter -b {} -t {} --increments {} --mode unsafe)",
                          unsafe.threads, unsafe.backend, unsafe.threads,
                          static_cast<std::int64_t>(race_factor) * int_field(unsafe, "expected")));
    std::string costs;
    for (std::string_view mode :
         std::array<std::string_view, 4>{"unsafe", "mutex", "atomic", "sharded"}) {
      const record& r = find(trials, threads_label(mode));
      if (mode != "unsafe") c.must(exact(r), fmt::format("{} is exact", mode));
      costs += fmt::format("{}{} {:.3g} ns", costs.empty() ? "" : ", ", mode,
                           real_field(r, "ns_per_increment"));
    }
    c.note("per increment: " + costs);
    check_processes(c, trials);
    table t =
        tabulate(trials, {col::backend(), col::workers(), col::field("final", "final"),
                          col::field("lost_updates", "lost"), col::field("isolated", "isolated"),
                          col::field("ns_per_increment", "ns/incr")});
    return {std::move(trials), std::move(t), c.result()};
  }

 private:
  static bool exact(const record& r) {
    return int_field(r, "expected") > 0 && int_field(r, "final") == int_field(r, "expected") &&
           int_field(r, "lost_updates") == 0;
  }

  static void check_processes(checks& c, std::vector<trial>& trials) {
    const record& alone = find(trials, unsafe_processes);
    c.must(bool_field(alone, "isolated") && int_field(alone, "final") == 0,
           fmt::format("on {} processes each child counted in its own copy: the parent's counter "
                       "shows {} of {}",
                       alone.threads, int_field(alone, "final"), int_field(alone, "expected")));
    c.must(exact(find(trials, atomic_shared)),
           "atomic on a --shared counter is exact across processes");
    c.must(exact(find(trials, sharded_processes)),
           "sharded is exact across processes without sharing any memory");
  }
};

}  // namespace

const lesson& race_lesson() {
  static const race l;
  return l;
}

}  // namespace parlab::runner::lab
