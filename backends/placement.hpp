#pragma once
// Where workers run and where their data lives, as pure functions of a machine's shape
// (backends/topology.hpp), so that tests hand them machines this one is not (128 cores, 4 nodes).
#include <cstddef>
#include <vector>

#include "backends/topology.hpp"
#include "parlab/backend.hpp"
#include "parlab/index_range.hpp"

namespace parlab::detail {

// The PU (an index into shape.pus) of each of `workers` workers, among the PUs whose OS index is
// in `allowed` (the process's affinity mask, allowed_cpus()): hwloc lists every PU of the machine,
// and a taskset or a batch system's mask leaves the process some of them. Empty for
// pin_policy::none or when no PU is allowed.
// compact: one worker per core, cores in order, before a second on any core's hardware threads.
// spread: consecutive workers alternate packages, then the NUMA nodes of a package, each node
// filled core-first as compact fills the machine. More workers than PUs wrap around, so the
// oversubscription shows as shared PUs rather than as an error.
std::vector<std::size_t> placement_plan(const machine_shape& shape, pin_policy policy,
                                        unsigned workers, const std::vector<int>& allowed);

// --pin's default: compact on a machine of several NUMA nodes, none on one (or on a topology that
// is not this machine's, which cannot be pinned to). Unpinned on several nodes, the scheduler
// moves a worker away from the node its block was first touched on, and a memory-bound time moves
// from rep to rep and run to run; compact is stable, and a thread sweep fills one node before the
// next, so the curve shows where a node's bandwidth ends. On one node pinning gains nothing
// measurable and the OS balances around other load better: none.
pin_policy default_pin(const machine_shape& shape);

// A worker's contiguous block of the data and the NUMA node (OS index) it belongs on.
struct data_block {
  index_range range;
  int node = 0;
};

// The NUMA first-touch plan of n elements: worker w's block is the one the static schedules give
// it (static_block, backends/chunking.hpp), on the node of the PU the plan gives w.
std::vector<data_block> first_touch_plan(const machine_shape& shape,
                                         const std::vector<std::size_t>& plan, std::size_t n);

}  // namespace parlab::detail
