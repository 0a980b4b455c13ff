#pragma once
// The command line as parsed: what `run` and `sweep` need, and the JSON "config" block.
#include <optional>
#include <string>
#include <vector>

#include "parlab/backend.hpp"
#include "parlab/kernel.hpp"
#include "parlab/params.hpp"
#include "runners/data_layout.hpp"
#include "runners/rank_jobs.hpp"
#include "runners/reporter.hpp"

namespace parlab::runner {

struct sweep_options {
  std::string command;  // "run" or "sweep"
  std::string kernel;
  std::vector<std::string> backends;  // in the order they run
  std::string threads_spec;
  std::vector<unsigned> threads;
  param_values params;
  unsigned reps = 5;
  unsigned warmup = 1;
  schedule sched = schedule::static_;
  std::size_t grain = 0;
  pin_policy pin = pin_policy::none;
  numa_policy numa = numa_policy::local;
  double timeout_s = 0;      // 0: none
  std::string timeout_text;  // as typed, for the message when it expires
  double run_timeout_s = 0;  // --run-timeout: each run's bound; 0: none
  std::string run_timeout_text;
  bool weak = false;
  // A sweep measures the reference backend (seq) first, as every speedup's baseline; false for
  // a kernel the reference cannot run (its workers need each other): no speedups then.
  bool reference_baseline = true;
  // The backends `-b all` left out and why (keep_backends_that_can_run), said on stderr when
  // the sweep starts, after every option has been checked; "" when none.
  std::string skipped;
  double gil_interval_s = 0;  // --gil's switch interval; 0: no GIL
  // --cpu-on: a staged run, the kernel's second stage on this backend with cpu_workers workers
  // (parlab/staged_run.hpp); "" = one backend runs everything.
  std::string cpu_on;
  unsigned cpu_workers = 0;
  // --ranks: a sweep over ranks, one MPI job per count launched through `launcher`, the seq
  // baseline measured here (runners/rank_jobs.hpp); empty: the backends run in this process.
  std::vector<unsigned> ranks;
  std::string ranks_spec;
  launcher_kind launcher = launcher_kind::mpirun;
  // This process is one such job (the hidden --rank-job): no baseline, no speedups, no warnings;
  // the sweep that launched it relates and reports its records.
  bool rank_job = false;
  output_format format = output_format::table;
  std::string output;     // "" = stdout
  std::string csv_file;   // --csv: a CSV copy besides the chosen format; "" = none
  std::string json_file;  // --json: a JSON copy besides the chosen format; "" = none
  std::string plot;       // "" = none
  bool colour = false;    // in the table (--color)
  bool progress = true;
  bool probe = true;  // measure the read bandwidth first, for memory-streaming kernels
};

json to_json(const sweep_options& o);

// For a kernel whose workers wait on one another (traits().needs_concurrency), or any staged run
// (o.cpu_on, whose first stage must also count workers and be another backend), drops the
// reference baseline, since seq cannot run it; with `all` (the backends were `-b all`), leaves
// out the backends that cannot run it, saying so in one line on stderr; otherwise refuses such
// a backend with a usage_error naming those that can.
void keep_backends_that_can_run(sweep_options& o, const kernel& k, bool all, bool gil = false);

// Runs the measurements and feeds every reporter; returns the exit code (0, or 1 when any
// record failed or the plot could not be drawn). Progress and warnings go to stderr.
int run_sweep(const sweep_options& o);
// The same on a kernel the caller made (o.kernel is not looked up): how a program embedding
// the runner, or a test, sweeps a kernel of its own.
int run_sweep(const sweep_options& o, kernel& k);

}  // namespace parlab::runner
