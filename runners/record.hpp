#pragma once
// One measured (kernel, backend, threads) point: what every sink (table, CSV, JSON, plot) is fed.
#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "parlab/kernel.hpp"

namespace parlab::runner {

struct record {
  std::string kernel;
  std::string backend;
  // The backend's trait: false for one that always runs on the caller alone (seq), which has no
  // scaling of its own to fit or plot. Not an output field.
  bool uses_thread_count = true;
  unsigned threads = 0;
  unsigned cores = 0;     // CPUs this process may use
  std::string cpu_limit;  // what bounds `cores`: none, affinity or cgroup
  bool oversubscribed = false;
  std::string params;  // "size=100000000 intensity=0"
  std::string schedule;
  std::size_t grain = 0;  // effective grain; 0 under static = one block per worker
  std::string pin;        // placement applied, "" when none
  std::string numa;       // --numa: local or interleave
  // Unpinned on a machine of several NUMA nodes: the workers drift from their data (a flag).
  bool unpinned_numa = false;
  // Where the last timed rep's workers ran (the CPU each began on, read with sched_getcpu, and
  // its node) and where the data's pages were afterwards (node -> pages, -1 untouched; above 2^16
  // pages an even sample), with the share of pages on a node some worker ran on (-1 not known).
  // Measured (runners/data_layout.hpp), never the plan's word.
  std::vector<int> worker_cpus;
  std::vector<int> worker_nodes;
  std::map<int, std::size_t> pages_per_node;
  double pages_on_worker_nodes = -1;
  unsigned reps = 0;
  std::vector<double> samples_s;
  double median_s = 0, min_s = 0, max_s = 0, stddev_s = 0, cv = 0;
  double speedup = 0, efficiency = 0, karp_flatt = 0;  // 0 when there is no baseline
  // What speedup is against: 0 the seq baseline; t the backend's own run at t threads, the
  // smallest count measured, for a kernel seq cannot run (efficiency = speedup x t / threads).
  unsigned speedup_base_threads = 0;
  double throughput = 0;
  std::string throughput_unit;  // GB/s, Gelem/s, tasks/s
  double gelem_per_s = 0;
  // Memory-streaming kernels: throughput over the read bandwidth probed in the same run; 0 n/a.
  double bandwidth_fraction = 0;
  // io: the best time the prepared waits allow on this many workers; 0 when the kernel has none
  double ideal_s = 0;
  // The waits the run could hold in flight at once: its workers on a backend that blocks in a
  // wait, every task on an event loop (backend_traits::waits_per_worker). ideal_s and
  // efficiency are against it.
  std::size_t in_flight = 0;
  std::size_t peak_waits = 0;  // the most waits an event loop held suspended at once; else 0
  unsigned workers_seen = 0;   // the fewest of any timed rep
  // A job of ranks (mpi backends): how many, the workers of each (threads) and of all; the
  // fastest and slowest rank's own run (the median over reps of each); the transport asked for
  // (OMPI_MCA_btl, "" when not set). 1, threads, threads, 0, 0 on one machine.
  unsigned ranks = 1;
  unsigned total_workers = 0;
  double rank_time_min_s = 0, rank_time_max_s = 0;
  std::string transport;
  // How the launcher of a sweep over ranks placed them (its mapping and binding flags, such as
  // "--map-by slot:PE=2 --bind-to core"); "" when parlab did not launch the job.
  std::string binding;
  std::vector<unsigned> workers_seen_reps;  // what each timed rep saw, in order
  std::size_t data_bytes = 0;               // the kernel's prepared data
  std::size_t huge_page_bytes = 0;          // of which backed by huge pages, read from smaps
  // This process's memory during a timed rep, the most of any (runners/memory_use.hpp): the
  // resident high-water mark, reset before each rep; the virtual size, sampled; and the
  // resident growth over the kernel's tasks (0 for a kernel without tasks).
  std::size_t peak_rss_bytes = 0;
  std::size_t vm_peak_bytes = 0;
  double bytes_per_task = 0;
  bool verified = false;
  bool noisy = false;           // robust_cv (statistics.hpp) above noisy_cv
  bool warmup_problem = false;  // first timed rep far slower than the median
  std::string detail;           // the verdict or the error
  std::string lesson;           // what a verified result teaches (kernel's verdict), or ""
  std::string status;           // how a verified result is wrong by design (verdict), or ""
  std::vector<parlab::record_field> fields;  // the kernel's own, after the standard ones
};

// The workers of the whole run, what speedups and fits are over: ranks x threads for a job of
// ranks, the threads on one machine (and for a record built by hand without total_workers).
inline unsigned workers(const record& r) { return std::max(r.total_workers, r.threads); }

}  // namespace parlab::runner
