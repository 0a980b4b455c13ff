#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "backends/chunking.hpp"
#include "backends/partial_slots.hpp"
#include "backends/pinning.hpp"
#include "backends/processes.hpp"
#include "parlab/backend.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {

// N child processes forked for every run: creation cost included, one of the lessons. Children
// read the kernel's data where it lies (the parent's private huge-page mapping, shared
// copy-on-write and never written), claim chunks from a cursor in a MAP_SHARED mapping and
// leave their partials beside it. docs/PITFALLS.md: a child of a multi-threaded parent runs plain
// loops only (no TBB, no OpenMP, no iostream) and leaves with _exit().
class fork_processes final : public backend {
 public:
  std::string_view name() const override { return "fork"; }
  std::string_view description() const override {
    return "N processes fork()ed per run; partials through a MAP_SHARED mapping";
  }
  backend_traits traits() const override {
    return {.shares_memory = false,
            .promises_concurrency = true,
            .worker = worker_kind::process,
            .stops_at_deadline = true,
            .baseline = "fork"};
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override {
    const unsigned n_workers = options.threads;
    const std::size_t grain = effective_grain(task.n, n_workers, options.sched, options.grain);
    const std::size_t reports_at = sizeof(detail::chunk_cursor);
    const std::size_t slots_at =
        detail::partial_slots::round_up(reports_at + n_workers * sizeof(detail::child_report));
    shared_memory shared(slots_at +
                         detail::partial_slots::bytes_needed(task.partial_size, n_workers));
    auto* cursor = new (shared.data()) detail::chunk_cursor;
    cursor->reset(options);
    auto* reports = reinterpret_cast<detail::child_report*>(shared.data() + reports_at);
    const detail::partial_slots slots(task, n_workers, shared.data() + slots_at);
    const detail::pinning pins(options.pin, n_workers);
    const pid_t parent = getpid();
    const auto deadline = detail::run_deadline(options.deadline_s);

    detail::children kids(n_workers);
    for (unsigned w = 0; w < n_workers; ++w) {
      const pid_t pid = fork();
      if (pid < 0) {
        cursor->cancelled = true;
        throw run_error("fork: could not create worker " + std::to_string(w) + " of " +
                        std::to_string(n_workers) + ": " + std::strerror(errno));
      }
      if (pid == 0) {
        if (!detail::bind_child_to_parent(parent)) _exit(1);
        _exit(run_worker(task, options, grain, w, *cursor, slots, reports[w], pins));
      }
      kids.add(pid);
    }
    // A crashed child cannot cancel the task itself: the parent does, in the shared mapping.
    const std::vector<int> statuses = kids.wait_all(
        [&] {
          cursor->cancelled = true;
          if (task.cancel) task.cancel();
        },
        deadline);
    // A worker's own failure is the cause; those killed at the deadline or after it come after.
    if (const int w = detail::cause_of_failure(
            n_workers, reports,
            [&](unsigned v) { return detail::failed_status(statuses[v]) && !kids.killed(v); });
        w >= 0)
      detail::throw_failure(
          detail::describe_child_failure("fork", static_cast<unsigned>(w), statuses[w], reports[w]),
          WIFEXITED(statuses[w]) && WEXITSTATUS(statuses[w]) == detail::child_failed_status &&
              reports[w].consequence);
    if (!kids.overdue().empty()) throw run_error(overdue_workers(kids.overdue(), options));
    return slots.report(result, pins.describe(), options.start_together);
  }

 private:
  static std::string overdue_workers(const std::vector<unsigned>& late, const run_options& o) {
    std::string which = late.size() == 1 ? "worker" : "workers";
    for (std::size_t i = 0; i < late.size(); ++i)
      which += (i == 0 ? " " : ", ") + std::to_string(late[i]);
    return detail::describe_overdue("fork", which, o.deadline_s);
  }

  // The child's whole life; returns its exit status.
  static int run_worker(const reduce_task& task, const run_options& options, std::size_t grain,
                        unsigned w, detail::chunk_cursor& cursor,
                        const detail::partial_slots& slots, detail::child_report& report,
                        const detail::pinning& pins) {
    try {
      pins.pin_this_thread(w);
      detail::for_each_chunk(task.n, options.threads, w, options.sched, grain, cursor,
                             [&](index_range r) { slots.accumulate(w, r); });
      return 0;
    } catch (...) {
      cursor.cancelled = true;
      return detail::report_failure(report, task);
    }
  }
};

}  // namespace

const backend& fork_backend() {
  static const fork_processes instance;
  return instance;
}

}  // namespace parlab
