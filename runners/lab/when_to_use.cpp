#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "runners/gil.hpp"
#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {
namespace {

constexpr std::array<std::string_view, 2> threads_alone = {"threads", "threads, GIL"};
constexpr std::array<std::string_view, 2> processes_alone = {"processes", "processes, GIL"};
constexpr std::array<std::string_view, 2> split = {"split", "split, GIL"};
// The notebook's figures: 50 ms waits, about 20 ms of computation each.
constexpr double wait_s = 0.05, cpu_s = 0.02;
constexpr double items_quick = 16, items = 48;
// The split's I/O stage; a pool alone gets twice that, so that half its threads can wait while
// the others compute (a pool of exactly io_workers runs wait, compute, wait in lockstep).
constexpr unsigned io_workers = 8;
// Under the GIL the split must win by this much; without it threads must be this close.
constexpr double gil_win = 1.5, close_without = 1.1;
constexpr double switch_interval_s =
    std::chrono::duration<double>(runner::default_switch_interval).count();

// Notebook section 9: items that wait then compute (kernel mixed), three ways: one pool of
// threads, one pool of processes, and the split, waits on threads and computation handed to a
// process pool through a queue (a staged run, --cpu-on). With and without the emulated GIL.
class when_to_use final : public lesson {
 public:
  std::string_view name() const override { return "when-to-use"; }
  unsigned number() const override { return 9; }
  std::string_view claim() const override {
    return "under a GIL, waits on threads with the computation on processes beats threads alone "
           "by at least 1.5x; without one (C++), threads alone are as good (within 10%)";
  }

  std::vector<trial> measure(context& ctx) const override {
    const backend& threads = concurrent(worker_kind::thread);
    const backend& processes = concurrent(worker_kind::process);
    const std::vector<setting> work = {
        {"items", ctx.quick() ? items_quick : items}, {"duration", wait_s}, {"cpu", cpu_s}};
    const unsigned cpus = std::max(1U, ctx.cores());
    std::vector<trial> out;
    for (int g = 0; g < 2; ++g) {
      const double gil = g == 1 ? switch_interval_s : 0;
      out.push_back(ctx.measure(
          {std::string(threads_alone[g]), "mixed", work, threads, 2 * io_workers}, gil));
      out.push_back(ctx.measure(
          {std::string(processes_alone[g]), "mixed", work, processes, 2 * io_workers}, gil));
      out.push_back(ctx.measure(
          {std::string(split[g]), "mixed", work, threads, io_workers, &processes, cpus}, gil));
    }
    return out;
  }

  outcome judge(std::vector<trial> trials) const override {
    checks c;
    const record& t_gil = find(trials, threads_alone[1]);
    const record& s_gil = find(trials, split[1]);
    const record& t_free = find(trials, threads_alone[0]);
    const record& s_free = find(trials, split[0]);
    const double win = ratio(t_gil, s_gil), gap = ratio(t_free, s_free);
    const std::string said_gil = fmt::format(
        "under the GIL the split took {}, threads alone {}: the split won {} (at least {} "
        "expected), since the waits release the lock and the computation runs in processes of "
        "their own",
        seconds(s_gil.median_s), seconds(t_gil.median_s), times(win), times(gil_win));
    if (s_gil.cores < 2)
      c.cannot_show(said_gil + ", but one CPU cannot run two processes' computation at once");
    else
      c.unless_busy(win >= gil_win, others(trials, threads_alone[1], split[1]), said_gil);
    c.chance(gap <= close_without,
             fmt::format("without the GIL threads alone took {}, the split {}: threads were {} "
                         "the split's time (at most {} expected): C++ threads compute in "
                         "parallel, so one pool does both",
                         seconds(t_free.median_s), seconds(s_free.median_s), times(gap),
                         times(close_without)));
    for (int g = 0; g < 2; ++g) c.note(winner(trials, g));
    table t = tabulate(trials, {col::backend(), col::workers(), col::field("cpu_on", "cpu on"),
                                col::field("cpu_workers", "cpu workers"), col::median(),
                                col::field("items_per_s", "items/s"), col::field("gil", "gil")});
    return {std::move(trials), std::move(t), c.result()};
  }

 private:
  static double ratio(const record& slower, const record& faster) {
    return faster.median_s > 0 ? slower.median_s / faster.median_s : 0;
  }
  static std::string winner(std::vector<trial>& trials, int g) {
    const std::array<const trial*, 3> three = {&trial_of(trials, threads_alone[g]),
                                               &trial_of(trials, processes_alone[g]),
                                               &trial_of(trials, split[g])};
    const trial* best = *std::min_element(three.begin(), three.end(), [](auto* a, auto* b) {
      return a->rec.median_s < b->rec.median_s;
    });
    return fmt::format("{}: {} won here ({})", g == 1 ? "under the GIL" : "without the GIL",
                       best->label, seconds(best->rec.median_s));
  }
};

}  // namespace

const lesson& when_to_use_lesson() {
  static const when_to_use l;
  return l;
}

}  // namespace parlab::runner::lab
