#pragma once
// Where a kernel's data lives for each measured point, and where it was (measured): the runner
// moves the data with its workers and reads the pages back into the record (docs/RUNNER.md,
// "NUMA placement").
#include <cstddef>
#include <map>
#include <string_view>
#include <vector>

#include "parlab/backend.hpp"
#include "parlab/kernel.hpp"

namespace parlab::runner {

// --numa: local puts each worker's static block on its node (the first-touch plan), interleave
// spreads every array's pages round robin over all nodes.
enum class numa_policy { local, interleave };
std::string_view to_string(numa_policy p);

// The CPUs (OS indexes, worker order) `run` places its workers on: what the kernel's data is
// first touched from (first_touch_on) before the point is measured; empty when unpinned or when
// the topology is not this machine's.
std::vector<int> touch_cpus(const run_options& run);

// Moves a prepared kernel's data where a point's workers will read it, on a machine of several
// NUMA nodes (one node has nowhere to move it to): local with a placement, each worker's block
// to its worker's node (unpinned, nothing: the workers have no node); interleave, every page
// round robin. It remembers what it last did and moves nothing when the point does not change
// it. Throws run_error when the kernel refuses a move.
class data_layout {
 public:
  void place(const kernel& k, std::size_t n, const run_options& run, numa_policy policy);

 private:
  struct applied {
    std::vector<const void*> arrays;
    std::size_t n = 0;
    unsigned threads = 0;
    pin_policy pin = pin_policy::none;
    numa_policy policy = numa_policy::local;
    bool operator==(const applied&) const = default;
  };
  applied last_;
};

// Where a run's workers and data were, measured after the point's timed reps.
struct data_location {
  std::vector<int> worker_nodes;              // the node of each worker's CPU, worker order
  std::map<int, std::size_t> pages_per_node;  // node -> pages of the data (-1: untouched)
  // Of the data's pages, the share on a node some worker ran on; -1 when not known (no data,
  // no worker CPUs, a topology that is not this machine's).
  double pages_on_worker_nodes = -1;
};
data_location locate(const kernel& k, const std::vector<int>& worker_cpus);

// Several NUMA nodes here and this run unpinned: its workers drift from their data.
bool unpinned_on_numa(const run_options& run);

}  // namespace parlab::runner
