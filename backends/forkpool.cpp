#include <semaphore.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
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

// The part of a run that changes between runs of one task, and the semaphores that start the
// children and tell the parent they are done. It lives in a MAP_SHARED mapping.
struct pool_control {
  detail::chunk_cursor cursor;
  schedule sched = schedule::static_;
  std::size_t grain = 0;
  sem_t done;
};

// N processes forked once per task, at its first run (the warm-up), after the kernel's data
// exists: they see it in place, like per-run fork children, and keep their page tables between
// runs, so later runs pay two semaphore posts per worker instead of N forks. A new task
// version, thread count or placement forks a new pool. docs/PITFALLS.md's rule for children holds:
// plain loops, no TBB or OpenMP, _exit().
class process_pool {
 public:
  process_pool(const reduce_task& task, const run_options& options)
      : task_(task),
        workers_(options.threads),
        version_(task.version),
        pin_(options.pin),
        shared_(layout_bytes(task.partial_size, options.threads)),
        control_(new (shared_.data()) pool_control),
        starts_(reinterpret_cast<sem_t*>(shared_.data() + sizeof(pool_control))),
        reports_(reinterpret_cast<detail::child_report*>(starts_ + workers_)),
        busy_(reinterpret_cast<std::atomic<bool>*>(reports_ + workers_)),
        slots_(task, workers_, shared_.data() + slots_offset(workers_)),
        pins_(options.pin, workers_) {
    if (sem_init(&control_->done, 1, 0) != 0) throw run_error("forkpool: sem_init failed");
    for (unsigned w = 0; w < workers_; ++w) {
      if (sem_init(&starts_[w], 1, 0) != 0) throw run_error("forkpool: sem_init failed");
      new (&busy_[w]) std::atomic<bool>(false);
    }
    const pid_t parent = getpid();
    for (unsigned w = 0; w < workers_; ++w) {
      const pid_t pid = fork();
      if (pid < 0)
        throw run_error("forkpool: could not create worker " + std::to_string(w) + " of " +
                        std::to_string(workers_) + ": " + std::strerror(errno));
      if (pid == 0) {
        if (!detail::bind_child_to_parent(parent)) _exit(1);
        serve(w);
      }
      kids_.add(pid);
    }
  }

  [[nodiscard]] bool fits(const reduce_task& task, const run_options& options) const {
    return task.version != 0 && task.version == version_ && options.threads == workers_ &&
           options.pin == pin_;
  }

  run_report run(const run_options& options, void* result) {
    slots_.reset();
    control_->cursor.reset(options);
    control_->sched = options.sched;
    control_->grain = effective_grain(task_.n, workers_, options.sched, options.grain);
    const auto deadline = detail::run_deadline(options.deadline_s);
    for (unsigned w = 0; w < workers_; ++w) busy_[w].store(true);
    for (unsigned w = 0; w < workers_; ++w) sem_post(&starts_[w]);
    for (unsigned finished = 0; finished < workers_;) {
      if (wait_done()) {
        ++finished;
        continue;
      }
      int status = 0;  // no news for a while: has a worker died?
      if (const int w = kids_.poll_exited(status); w >= 0)
        throw run_error(detail::describe_child_failure("forkpool", static_cast<unsigned>(w), status,
                                                       reports_[w]));
      // The pool is not reused after a failure: the caller's reset kills every worker.
      if (deadline && std::chrono::steady_clock::now() >= *deadline)
        throw run_error(detail::describe_overdue("forkpool", still_busy(), options.deadline_s));
    }
    const int cause = detail::cause_of_failure(
        workers_, reports_, [&](unsigned w) { return reports_[w].message[0] != '\0'; });
    if (cause >= 0)
      detail::throw_failure(
          "forkpool worker " + std::to_string(cause) + ": " + reports_[cause].message,
          reports_[cause].consequence);
    return slots_.report(result, pins_.describe(), options.start_together);
  }

 private:
  // "worker 1", "workers 0, 2": those that have not finished this run.
  [[nodiscard]] std::string still_busy() const {
    std::string which;
    unsigned count = 0;
    for (unsigned w = 0; w < workers_; ++w)
      if (busy_[w].load()) which += (count++ == 0 ? " " : ", ") + std::to_string(w);
    return (count == 1 ? "worker" : "workers") + which;
  }

  static std::size_t slots_offset(unsigned workers) {
    const std::size_t end =
        sizeof(pool_control) +
        workers * (sizeof(sem_t) + sizeof(detail::child_report) + sizeof(std::atomic<bool>));
    return detail::partial_slots::round_up(end);
  }
  static std::size_t layout_bytes(std::size_t partial_size, unsigned workers) {
    return slots_offset(workers) + detail::partial_slots::bytes_needed(partial_size, workers);
  }

  // Waits up to 20 ms for one worker to finish; false on time-out so the caller can look for
  // a dead worker, which would never post.
  bool wait_done() {
    timespec deadline{};
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 20'000'000;
    if (deadline.tv_nsec >= 1'000'000'000) {
      deadline.tv_sec += 1;
      deadline.tv_nsec -= 1'000'000'000;
    }
    while (sem_timedwait(&control_->done, &deadline) != 0) {
      if (errno != EINTR) return false;
    }
    return true;
  }

  // A worker's whole life: wait for a start, run the chunks it claims, report, again.
  [[noreturn]] void serve(unsigned w) {
    try {
      pins_.pin_this_thread(w);
    } catch (const std::exception& e) {
      detail::write_report(reports_[w], e.what());
    }
    for (;;) {
      while (sem_wait(&starts_[w]) != 0) {
      }
      try {
        detail::for_each_chunk(task_.n, workers_, w, control_->sched, control_->grain,
                               control_->cursor, [&](index_range r) { slots_.accumulate(w, r); });
      } catch (...) {
        control_->cursor.cancelled = true;
        detail::report_failure(reports_[w], task_);
      }
      busy_[w].store(false);
      sem_post(&control_->done);
    }
  }

  // A copy: backend::run hands a task of roles over as a temporary of its own (as_index_space),
  // whose functions stay valid while the kernel's task does.
  const reduce_task task_;
  unsigned workers_;
  std::uint64_t version_;
  pin_policy pin_;
  shared_memory shared_;
  pool_control* control_;
  sem_t* starts_;
  detail::child_report* reports_;
  std::atomic<bool>* busy_;  // per worker: started on this run and not finished it
  detail::partial_slots slots_;
  detail::pinning pins_;
  detail::children kids_;  // last member: destroyed first, so workers die before the mapping
};

class fork_pool final : public backend {
 public:
  std::string_view name() const override { return "forkpool"; }
  std::string_view description() const override {
    return "N processes forked once per task (at its first run) and reused; MAP_SHARED partials";
  }
  // Measured against a pool of processes written by hand: against a fork per call, a pool
  // could not miss its per-call target.
  backend_traits traits() const override {
    return {.shares_memory = false,
            .promises_concurrency = true,
            .worker = worker_kind::process,
            .stops_at_deadline = true,
            .baseline = "procpool"};
  }
  void release() const override {
    std::lock_guard lock(mutex_);
    pool_.reset();
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override {
    std::lock_guard lock(mutex_);
    try {
      if (!pool_ || !pool_->fits(task, options)) {
        pool_.reset();
        pool_ = std::make_unique<process_pool>(task, options);
      }
      return pool_->run(options, result);
    } catch (...) {
      pool_.reset();  // a failed pool is not reused: its workers are killed and reaped
      throw;
    }
  }

 private:
  mutable std::mutex mutex_;
  mutable std::unique_ptr<process_pool> pool_;
};

}  // namespace

const backend& forkpool_backend() {
  static const fork_pool instance;
  return instance;
}

}  // namespace parlab
