#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "parlab/reduce_task.hpp"

namespace parlab {

enum class schedule { static_, dynamic, guided };
enum class pin_policy { none, compact, spread };

std::string_view to_string(schedule s);
std::string_view to_string(pin_policy p);

struct run_options {
  unsigned threads = 1;
  schedule sched = schedule::static_;
  // Elements per chunk; 0 lets the engine choose (see effective_grain).
  std::size_t grain = 0;
  pin_policy pin = pin_policy::none;
  // Hold every worker at a latch until all N have started, so that their work overlaps even
  // when starting a worker takes longer than the work (a race shows only if the racers run at
  // once). Only a backend that promises concurrency can honour it; the report says if it did.
  bool start_together = false;
  // The task's workers wait on one another, so all N must run at once: a backend that does not
  // promise concurrency refuses the run (usage_error) rather than deadlock.
  bool all_at_once = false;
  // Seconds from the run's start after which a backend that can stop its workers (traits:
  // stops_at_deadline) kills those still running and fails the run, naming them; 0: no limit.
  // A backend of threads cannot stop its workers and ignores it: its caller decides.
  double deadline_s = 0;
};

struct run_report {
  // Distinct threads or processes that really executed the body: a backend asked for 8 that
  // ran on 2 shows 2.
  unsigned workers_seen = 0;
  // Where workers were placed, when pinning was asked for ("" when not pinned).
  std::string placement;
  // Every worker waited at a start latch until all had arrived (run_options::start_together).
  bool started_together = false;
  // A staged run's second stage: the workers it really ran on (parlab/staged_run.hpp); else 0.
  unsigned second_stage_seen = 0;
  // The most waits the backend held suspended at once, counted by an event loop; else 0.
  std::size_t peak_waits = 0;
  // The processes of a job that ran it (MPI ranks; 1 on one machine), and the fastest and
  // slowest rank's own run of its block, measured by each rank (0 when not a job of ranks).
  unsigned ranks = 1;
  double rank_time_min_s = 0, rank_time_max_s = 0;
  // The rep's time as the backend measured it, when part of its run is not the work: a job of
  // ranks first meets at a barrier (a rank that arrives early must not count the wait) and takes
  // its slowest rank's span. 0: the runner's clock around the whole run is the rep's time.
  double timed_s = 0;
  // The CPU (OS index) each worker that ran was on when it began its work, read with
  // sched_getcpu, in worker order: where the workers really ran, pinned or not. Empty when the
  // backend does not say (one that runs on other machines' processes).
  std::vector<int> worker_cpus{};
};

// What a backend runs its workers as.
enum class worker_kind {
  caller,   // the calling thread alone
  thread,   // threads of this process
  process,  // child processes, each with its own copy of memory
};
std::string_view to_string(worker_kind w);

// What a backend is, declared by the backend itself. The runner, the fits, the plot and the bench
// decide how to treat a backend from these, never from its name: a new backend is one file and
// one registry line.
struct backend_traits {
  // Runs as many workers as run_options::threads asks; false for a backend that always runs on
  // the caller alone (seq), which a sweep measures once, as the baseline of every speedup.
  bool uses_thread_count = true;
  // Workers see and write the caller's memory; processes see a copy-on-write copy of it.
  bool shares_memory = true;
  // All N workers run at the same time, so they may wait on one another: threads created per
  // run, processes, an OpenMP team with dynamic teams off and its size checked. A task pool
  // such as TBB's may run N tasks on fewer threads, so it does not promise it.
  bool promises_concurrency = false;
  worker_kind worker = worker_kind::thread;
  // How many waits each worker keeps in flight: 1 for a worker that blocks in its wait (threads,
  // processes), 0 for no limit: an event loop suspends every wait and holds them all at once.
  // The runner bounds the best time (ideal_s) and the efficiency by it.
  unsigned waits_per_worker = 1;
  // Runs only a task whose items wait (reduce_task::start_item): an event loop runs waits, not
  // computation, which would hold its thread from every other wait.
  bool runs_only_waits = false;
  // The most workers it runs, 0 for no limit of its own: `mpi` runs one a rank (more is the
  // hybrids' mpi+BACKEND); the runner refuses a larger -t before any work.
  unsigned max_workers = 0;
  // Its processes are the ranks of an MPI job, started by a launcher (mpirun, srun), not by
  // parlab: `sweep --ranks` launches one job per rank count to run it.
  bool runs_as_ranks = false;
  // Its workers outlive the run (an OpenMP team's threads, TBB's pool): they still count against
  // the process's task limits while the next backend of a sweep runs.
  bool keeps_workers = false;
  // Honours run_options::deadline_s: its workers are processes it can kill, so a hung run ends
  // at the deadline with a run_error. A thread has no such stop: a run of threads that hangs
  // hangs its process.
  bool stops_at_deadline = false;
  // The hand-written loop of the benchmark suite this backend's overhead is measured against
  // (bench/baselines.cpp); empty when none is.
  std::string_view baseline;
};

// How many of `tasks` waits a backend with these traits holds in flight at once on `threads`
// workers: every one on an event loop, else each worker's share (at least 1).
std::size_t waits_in_flight(const backend_traits& t, unsigned threads, std::size_t tasks);

// The grain a schedule really uses for n elements on this many threads. Static with no grain
// means one contiguous block per worker; dynamic and guided default to chunks small enough to
// balance and large enough that claiming one costs nothing next to running it.
std::size_t effective_grain(std::size_t n, unsigned threads, schedule s, std::size_t grain);

// How a reduction is executed: seq, threads, tbb, omp, fork. A backend knows nothing of kernels.
class backend {
 public:
  virtual ~backend() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;
  [[nodiscard]] virtual backend_traits traits() const = 0;

  // Runs task over [0, task.n) and writes the combined partial to `result`
  // (task.partial_size bytes). Any failure of the body, in any worker, is thrown as
  // parlab::run_error carrying the original message.
  run_report run(const reduce_task& task, const run_options& options, void* result) const;

  // The slice of an index space of n this process owns, which the runner has the kernel prepare
  // (kernel::prepare_slice) before anything is allocated: all of it on one machine; a rank's
  // block under MPI. run() then runs that slice.
  [[nodiscard]] virtual index_range owned(std::size_t n) const { return {0, n}; }
  // Whether this process writes the results: false on every rank of an MPI job but the first.
  [[nodiscard]] virtual bool reports() const { return true; }
  // This process failed outside a run (preparing its slice), with `why`. A backend whose
  // processes meet in collectives ends the whole job here, naming this process, since the
  // others would wait for it at the next one forever; the default does nothing and the failure
  // is the record's.
  virtual void failed_outside_run(const std::string& /*why*/) const {}

  // Ends whatever the backend keeps between runs (forkpool's worker processes). Runs after it
  // start afresh; the runner calls it when it is done with a task.
  virtual void release() const {}

 protected:
  virtual run_report execute(const reduce_task& task, const run_options& options,
                             void* result) const = 0;
};

}  // namespace parlab
