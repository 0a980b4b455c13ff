#pragma once
// The machine's shape as placement and `parlab info` need it, read by the one hwloc loader in the
// code. hwloc honours HWLOC_SYNTHETIC and HWLOC_XMLFILE when it loads, so a person can show parlab
// a machine it does not run on; a test hands load_topology a synthetic description directly.
#include <hwloc.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace parlab::detail {

// One hardware thread: its OS index (what affinity calls take), the logical index of its core and
// package, and the OS index of its NUMA node (what memory binding takes).
struct pu_place {
  int os_index = 0;
  int core = 0;
  int package = 0;
  int node = 0;
};

struct cache_level {
  int level = 0;
  std::size_t size_bytes = 0;
  std::size_t line_bytes = 0;
  int count = 0;  // caches of this level in the machine
};

struct numa_node {
  int os_index = 0;
  std::size_t memory_bytes = 0;
  std::vector<int> pus;  // OS indexes of the PUs local to it
};

// A plain value, so that a placement plan is a pure function of it and a test can build one.
struct machine_shape {
  std::vector<pu_place> pus;  // in hwloc's logical order
  int packages = 0;
  int cores = 0;
  std::vector<numa_node> nodes;
  std::vector<cache_level> caches;  // L1 first
  bool this_system = true;          // false for HWLOC_SYNTHETIC / HWLOC_XMLFILE: nothing to bind
  std::string problem;              // why hwloc failed; then everything else is empty

  [[nodiscard]] bool known() const { return problem.empty() && !pus.empty(); }
};

struct hwloc_deleter {
  void operator()(hwloc_topology_t t) const { hwloc_topology_destroy(t); }
};
using hwloc_handle = std::unique_ptr<hwloc_topology, hwloc_deleter>;

// This machine's topology (or what HWLOC_SYNTHETIC / HWLOC_XMLFILE describe) when `synthetic` is
// empty, else the synthetic description, e.g. "pack:2 numa:2 core:32 pu:2". Throws run_error
// naming what failed: the one failure rule, whoever loads.
hwloc_handle load_topology(const std::string& synthetic = {});

machine_shape shape_of(hwloc_topology_t topo);

// The process's shape, loaded once (loading takes milliseconds). When hwloc failed, the shape is
// unknown and carries load_topology's message: pinning refuses with it, `info` prints it.
const machine_shape& process_shape();
// The topology process_shape() was read from, for memory binding and page queries; nullptr when
// the shape is unknown.
hwloc_topology_t process_topology();

}  // namespace parlab::detail
