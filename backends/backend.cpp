#include "parlab/backend.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "parlab/error.hpp"

namespace parlab {

std::string_view to_string(schedule s) {
  switch (s) {
    case schedule::static_:
      return "static";
    case schedule::dynamic:
      return "dynamic";
    case schedule::guided:
      return "guided";
  }
  return "?";
}

std::string_view to_string(pin_policy p) {
  switch (p) {
    case pin_policy::none:
      return "none";
    case pin_policy::compact:
      return "compact";
    case pin_policy::spread:
      return "spread";
  }
  return "?";
}

std::string_view to_string(worker_kind w) {
  switch (w) {
    case worker_kind::caller:
      return "caller";
    case worker_kind::thread:
      return "thread";
    case worker_kind::process:
      return "process";
  }
  return "?";
}

std::uint64_t next_task_version() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

std::size_t waits_in_flight(const backend_traits& t, unsigned threads, std::size_t tasks) {
  if (t.waits_per_worker == 0) return std::max<std::size_t>(tasks, 1);
  return std::size_t{t.uses_thread_count ? threads : 1U} * t.waits_per_worker;
}

std::size_t effective_grain(std::size_t n, unsigned threads, schedule s, std::size_t grain) {
  if (grain > 0 || s == schedule::static_) return grain;
  // About 16 chunks per worker, capped at 64k elements (512 KiB of int64): enough to balance a
  // straggler, few enough that claiming a chunk is noise next to running it.
  const std::size_t per_worker = n / (std::size_t{threads} * 16);
  return std::clamp<std::size_t>(per_worker, 1, std::size_t{1} << 16);
}

namespace {

// A task of roles as the index space every backend already runs: index w is role w, run as one
// static block per worker, so each of the N workers is one role. Ranges of several indices (a
// backend that packs blocks) run their roles one after another, combined.
reduce_task as_index_space(const reduce_task& task, const role_split& split) {
  reduce_task t = task;
  t.n = split.total();
  auto run_roles = [&task, split](index_range r, void* p, bool fresh) {
    // Scratch for every role but one written straight into p: none for a lone fresh role.
    std::vector<std::byte> one(r.size() > 1 || !fresh ? task.partial_size : 0);
    for (std::size_t i = r.begin; i < r.end; ++i, fresh = false) {
      task.role(static_cast<unsigned>(i), split, fresh ? p : one.data());
      if (!fresh) task.combine(p, one.data());
    }
  };
  t.evaluate = [run_roles](index_range r, void* p) { run_roles(r, p, true); };
  t.accumulate = [run_roles](index_range r, void* p) { run_roles(r, p, false); };
  return t;
}

}  // namespace

run_report backend::run(const reduce_task& task, const run_options& options, void* result) const {
  if (options.threads == 0) throw usage_error("a backend needs at least 1 thread");
  if (!task.identity || !task.combine || (!task.role && (!task.evaluate || !task.accumulate)))
    throw usage_error("reduce_task is missing its identity, evaluate, accumulate or combine");
  if (traits().runs_only_waits && !task.start_item)
    throw usage_error(std::string(name()) +
                      " is an event loop: it runs waits, not computation, and this task computes");
  if (options.all_at_once && !traits().promises_concurrency)
    throw usage_error(std::string(name()) +
                      " does not promise that all its workers run at once, which this task needs");
  const unsigned workers = traits().uses_thread_count ? options.threads : 1;
  const role_split split = task.split ? task.split(workers) : role_split{workers, 0};
  if (task.role && split.total() != workers)
    throw usage_error("the task split " + std::to_string(workers) + " workers into " +
                      std::to_string(split.total()) + " roles");
  try {
    if (task.reset) task.reset(split);
    if (!task.role) return execute(task, options, result);
    run_options one_role_each = options;
    one_role_each.sched = schedule::static_;
    one_role_each.grain = 0;
    return execute(as_index_space(task, split), one_role_each, result);
  } catch (const run_error&) {
    throw;
  } catch (const usage_error&) {
    throw;
  } catch (const std::exception& e) {
    throw run_error(std::string(name()) + ": " + e.what());
  } catch (...) {
    throw run_error(std::string(name()) + ": the body threw an exception of unknown type");
  }
}

}  // namespace parlab
