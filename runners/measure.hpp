#pragma once
#include <cstddef>
#include <span>

#include "parlab/backend.hpp"
#include "parlab/kernel.hpp"
#include "runners/data_layout.hpp"
#include "runners/record.hpp"
#include "runners/watchdog.hpp"

namespace parlab::runner {

struct measure_options {
  unsigned reps = 5;
  unsigned warmup = 1;
  run_options run;
  unsigned cores = 1;
  std::string cpu_limit = "none";  // what bounds `cores`: none, affinity or cgroup             //
                                   // CPUs this process may use, for the oversubscribed flag
  double read_bandwidth_gbs = 0;   // probed in this run; 0 when not measured
  double gil_interval_s = 0;       // run every chunk under an emulated GIL (runners/gil.hpp); 0: no
  // A staged run (parlab/staged_run.hpp): the task's second stage on this backend with this many
  // workers, its first on the measured backend with run.threads; nullptr: one backend.
  const backend* second_stage = nullptr;
  unsigned second_stage_workers = 0;
  // The share of the kernel's whole index space this process prepared and ran (its slice, as
  // backend::owned gave it; 1 on one machine): throughput is the job's, the work over the share.
  double work_share = 1;
  // --run-timeout: armed around every run (each warm-up and each timed rep) for run.deadline_s,
  // plus a grace for a backend that stops its own workers at that deadline (it fails the run
  // itself, and the sweep goes on); it expires only if the run has still not returned.
  watchdog* run_guard = nullptr;
  // --numa, and what moves the kernel's data to each point's workers (nullptr: it stays where it
  // was first touched). Kept across the points of a sweep, so that unchanged data is not moved.
  numa_policy numa = numa_policy::local;
  data_layout* layout = nullptr;
};

// How long a backend that stops at the deadline (backend_traits::stops_at_deadline) is given to
// kill its workers and return before the run is abandoned all the same.
inline constexpr double deadline_grace_s = 2;

// A cv above this marks a record noisy; a first rep this many times the median marks a warm-up
// problem. Both are stated in docs/ so that readers know what the flags mean.
inline constexpr double noisy_cv = 0.05;
inline constexpr double warmup_ratio = 1.5;

// The kernel's best time with `in_flight` waits at once (waits_in_flight()), 0 when it knows
// none: the runner's ideal_s and the bench's ideal_s counter alike.
double ideal_seconds(const kernel& k, std::size_t in_flight);

// Warm-up runs, then timed reps of a prepared kernel on one backend, each result verified.
// A failure (error or wrong result) comes back as a record with verified = false and the
// message in detail; it is never thrown, so that a sweep goes on.
record measure(const kernel& k, const std::string& params, const backend& b,
               const measure_options& options);

// The record of a point that could not be measured (the kernel could not be prepared for it):
// identity fields filled, verified = false, detail says why.
record unmeasured(const kernel& k, const std::string& params, const backend& b,
                  const measure_options& options, std::string detail);

// Fills a result buffer with a pattern no kernel returns by chance before each run, in the
// runner and the bench alike.
inline constexpr std::byte poison_byte{0xA5};
void poison(std::span<std::byte> result);

enum class scaling { strong, weak };

// Fills speedup, efficiency and Karp-Flatt against the seq median. Strong: speedup = T_seq / T_p.
// Weak (the size grew with the threads, T_seq is at the base size): the scaled speedup
// p T_seq / T_p, efficiency T_seq / T_p; Karp-Flatt assumes a fixed size and stays 0.
// base_threads != 0: the baseline is the backend's own run at that many workers, not seq's (a
// kernel seq cannot run): speedup = T_base / T_p (weak: x p / base), efficiency = speedup x
// base / p, and no Karp-Flatt unless base is 1.
void relate_to_baseline(record& r, double base_median_s, scaling s = scaling::strong,
                        unsigned base_threads = 0);

}  // namespace parlab::runner
