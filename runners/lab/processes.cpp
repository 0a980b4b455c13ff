#include <fmt/format.h>

#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {
namespace {

constexpr std::string_view spawn_threads = "start a thread";
constexpr std::string_view spawn_processes = "start a process";
constexpr std::string_view count_threads = "atomic counter, threads";
constexpr std::string_view count_processes = "atomic counter, processes";

double least_us_per_worker(const record& r) {
  return r.workers_seen > 0 ? r.min_s * 1e6 / r.workers_seen : 0;
}

// Notebook section 2: what a process costs over a thread, and what it does not share.
class processes final : public lesson {
 public:
  std::string_view name() const override { return "processes"; }
  unsigned number() const override { return 2; }
  std::string_view claim() const override {
    return "processes are isolated and dearer to create; threads share memory";
  }

  std::vector<trial> measure(context& ctx) const override {
    const backend& threads = concurrent(worker_kind::thread);
    const backend& procs = concurrent(worker_kind::process);
    const std::vector<setting> count = {{"increments", ctx.quick() ? 1e5 : 1e6},
                                        {"mode", std::string("atomic")}};
    return {ctx.measure({std::string(spawn_threads), "spawn", {}, threads, 4}),
            ctx.measure({std::string(spawn_processes), "spawn", {}, procs, 4}),
            ctx.measure({std::string(count_threads), "counter", count, threads, 2}),
            ctx.measure({std::string(count_processes), "counter", count, procs, 2})};
  }

  outcome judge(std::vector<trial> trials) const override {
    const record& t = find(trials, spawn_threads);
    const record& p = find(trials, spawn_processes);
    const record& shared = find(trials, count_threads);
    const record& isolated = find(trials, count_processes);
    // The fastest rep, not the median: a start is what the machine's scheduler makes of it, and
    // on a busy machine one late wake-up is a thread's whole cost.
    const double per_thread = least_us_per_worker(t);
    const double per_process = least_us_per_worker(p);
    checks c;
    c.must(per_process > per_thread,
           fmt::format("a worker cost {:.1f} us as a process ({}) and {:.1f} us as a thread ({}) "
                       "in the fastest rep: {} dearer",
                       per_process, p.backend, per_thread, t.backend,
                       times(per_thread > 0 ? per_process / per_thread : 0)));
    c.must(!bool_field(shared, "isolated") &&
               int_field(shared, "final") == int_field(shared, "expected"),
           fmt::format("threads incremented one counter: final {} of {}",
                       int_field(shared, "final"), int_field(shared, "expected")));
    c.must(bool_field(isolated, "isolated") && int_field(isolated, "final") == 0,
           fmt::format("processes each incremented their own copy: the parent's counter shows {} "
                       "of {}",
                       int_field(isolated, "final"), int_field(isolated, "expected")));
    // The figure the verdict quotes, beside the median's.
    const column fastest = explained(
        {"fastest us/worker",
         [](const record& r) {
           const bool spawned = real_field(r, "spawn_us_per_worker") > 0 && r.workers_seen > 0;
           return spawned ? fmt::format("{:.1f}", least_us_per_worker(r)) : std::string("-");
         }},
        "the fastest rep's time to start and join each worker, in microseconds");
    table tab =
        tabulate(trials, {col::backend(), col::workers(), col::median(),
                          col::field("spawn_us_per_worker", "median us/worker"), fastest,
                          col::field("final", "final"), col::field("isolated", "isolated")});
    return {std::move(trials), std::move(tab), c.result()};
  }
};

}  // namespace

const lesson& processes_lesson() {
  static const processes l;
  return l;
}

}  // namespace parlab::runner::lab
