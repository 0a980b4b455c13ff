#include "runners/gil.hpp"

#include <fmt/format.h>

#include "parlab/registry.hpp"
#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {
namespace {

constexpr std::string_view sum_seq = "compute sum, no GIL";
constexpr std::string_view sum_one = "compute sum, 1 thread, GIL";
constexpr std::string_view sum_threads = "compute sum, threads, GIL";
constexpr std::string_view sum_processes = "compute sum, processes, GIL";
constexpr std::string_view sum_processes_free = "compute sum, processes, no GIL";
constexpr std::string_view io_one = "3 waits, 1 thread, GIL";
constexpr std::string_view io_threads = "3 waits, 3 threads, GIL";
// The CPUs a process whose threads take turns keeps busy: one, plus its other threads' wakeups
// (the waiters' timed waits, the memory sampler), 1.0-1.03 on 2 to 8 threads here.
constexpr double one_holder_cpus = 1.15;
constexpr double switch_interval_s =
    std::chrono::duration<double>(runner::default_switch_interval).count();

// Notebook section 3, on the emulated GIL (docs/RUNNER.md, --gil): one holder at a time, so
// threads do not speed up compute but do overlap waits, which release the lock; each process has
// a lock of its own, so processes bypass it.
class gil final : public lesson {
 public:
  std::string_view name() const override { return "gil"; }
  unsigned number() const override { return 3; }
  std::string_view claim() const override {
    return "with a global interpreter lock threads do not speed up CPU-bound work but do speed "
           "up I/O; processes, each with its own lock, speed up both";
  }

  std::vector<trial> measure(context& ctx) const override {
    const backend& threads = concurrent(worker_kind::thread);
    const backend& processes = concurrent(worker_kind::process);
    const std::vector<setting> sum = compute_bound_sum(ctx);
    const std::vector<setting> waits = io_waits(ctx, 3);
    const unsigned n = std::max(2U, ctx.cores());
    const double g = switch_interval_s;
    return {ctx.measure({std::string(sum_seq), "sum", sum, reference_backend(), 1}),
            ctx.measure({std::string(sum_one), "sum", sum, threads, 1}, g),
            ctx.measure({std::string(sum_threads), "sum", sum, threads, n}, g),
            ctx.measure({std::string(sum_processes_free), "sum", sum, processes, n}),
            ctx.measure({std::string(sum_processes), "sum", sum, processes, n}, g),
            ctx.measure({std::string(io_one), "io", waits, threads, 1}, g),
            ctx.measure({std::string(io_threads), "io", waits, threads, 3}, g)};
  }

  outcome judge(std::vector<trial> trials) const override {
    relate(trials, sum_threads, sum_one);
    relate(trials, sum_processes, sum_seq);
    relate(trials, sum_processes_free, sum_seq);
    relate(trials, io_threads, io_one);
    const record& threads = find(trials, sum_threads);
    const record& locked = find(trials, sum_processes);
    const record& free = find(trials, sum_processes_free);
    const record& io = find(trials, io_threads);
    checks c;
    // One holder at a time, judged by what load cannot fake: the process's CPU time over the wall
    // time of the threaded trial (a neighbour can only lower it), and the check points the
    // kernel's hot loop reached without the lock (none, whatever the machine does).
    const double busy = real_field(threads, "gil_busy_cpus");
    const std::int64_t unheld = int_field(threads, "gil_unheld_checks");
    c.must(busy <= one_holder_cpus && unheld == 0 && text_field(threads, "gil") == "held",
           fmt::format("the compute-bound sum on {} threads under the GIL kept {:.2f} CPUs busy "
                       "(at most {:.2f} expected: one thread computes at a time) and computed {} "
                       "times without the lock",
                       threads.threads, busy, one_holder_cpus, unheld));
    c.note(
        fmt::format("its speed was {} that of one thread under the lock, which changed hands "
                    "{:.4g} times a run",
                    times(threads.speedup), real_field(threads, "gil_switches")));
    c.must(near_ideal(io) && text_field(io, "gil") == "held",
           fmt::format("3 waits on 3 threads under the GIL took {} (one wait: {}), {} faster than "
                       "on one: a wait releases the lock",
                       seconds(io.median_s), seconds(io.ideal_s), times(io.speedup)));
    const double kept = free.speedup > 0 ? locked.speedup / free.speedup : 0;
    c.must(text_field(locked, "gil") == "per-process",
           fmt::format("{} processes ran under a lock each (gil {})", locked.threads,
                       text_field(locked, "gil")));
    c.unless_busy(
        kept >= 0.9 / timing_margin, others(trials, sum_processes, sum_processes_free),
        fmt::format("{} processes under the GIL kept {} of the speedup they have "
                    "without it ({} of {}): each process has its own lock",
                    locked.threads, times(kept), times(locked.speedup), times(free.speedup)));
    check_cpu_scaling(c, trial_of(trials, sum_processes), "the compute-bound sum under the GIL");
    table t = tabulate(trials,
                       {col::backend(), col::workers(), col::median(), col::speedup(), col::over(),
                        col::field("gil", "gil"), col::field("gil_switches", "switches"),
                        col::field("gil_busy_cpus", "busy CPUs")});
    return {std::move(trials), std::move(t), c.result()};
  }
};

}  // namespace

const lesson& gil_lesson() {
  static const gil l;
  return l;
}

}  // namespace parlab::runner::lab
