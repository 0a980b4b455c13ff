#include "backends/topology.hpp"

#include <cstdlib>
#include <string_view>

#include "parlab/error.hpp"

namespace parlab::detail {
namespace {

// A PU with no such ancestor (an XML topology without cores) is its own core, in package 0.
int logical_ancestor(hwloc_topology_t topo, hwloc_obj_t pu, hwloc_obj_type_t type, int fallback) {
  const hwloc_obj_t a = hwloc_get_ancestor_obj_by_type(topo, type, pu);
  return a == nullptr ? fallback : static_cast<int>(a->logical_index);
}

std::vector<numa_node> nodes_of(hwloc_topology_t topo) {
  std::vector<numa_node> out;
  const int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  for (int i = 0; i < n; ++i) {
    const hwloc_obj_t node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);
    numa_node d{static_cast<int>(node->os_index), node->attr->numanode.local_memory, {}};
    for (int pu = hwloc_bitmap_first(node->cpuset); pu >= 0;
         pu = hwloc_bitmap_next(node->cpuset, pu))
      d.pus.push_back(pu);
    out.push_back(std::move(d));
  }
  return out;
}

// hwloc 2 hangs NUMA nodes beside the cores, not above them: a PU's node is the one whose cpuset
// holds it.
int node_of(const std::vector<numa_node>& nodes, int pu_os_index) {
  for (const numa_node& n : nodes)
    for (int p : n.pus)
      if (p == pu_os_index) return n.os_index;
  return 0;
}

std::vector<cache_level> caches_of(hwloc_topology_t topo) {
  std::vector<cache_level> out;
  for (hwloc_obj_type_t type : {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE}) {
    const int count = hwloc_get_nbobjs_by_type(topo, type);
    if (count <= 0) continue;
    const hwloc_obj_t c = hwloc_get_obj_by_type(topo, type, 0);
    out.push_back({static_cast<int>(c->attr->cache.depth), c->attr->cache.size,
                   c->attr->cache.linesize, count});
  }
  return out;
}

// hwloc ignores an HWLOC_SYNTHETIC or HWLOC_XMLFILE it cannot read and loads this machine instead:
// a person who asked to see another machine would be shown this one without a word.
void check_environment_honoured(hwloc_topology_t t) {
  for (const char* variable : {"HWLOC_SYNTHETIC", "HWLOC_XMLFILE"}) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0') continue;
    const char* backend = hwloc_obj_get_info_by_name(hwloc_get_root_obj(t), "Backend");
    const std::string_view loaded = backend == nullptr ? "" : backend;
    if (loaded != "Synthetic" && loaded != "XML")
      throw run_error(
          std::string("hwloc could not use ") + variable + "='" + value +
          "' (see hwloc's synthetic topology syntax, e.g. 'pack:2 numa:2 core:32 pu:2')");
  }
}

}  // namespace

hwloc_handle load_topology(const std::string& synthetic) {
  hwloc_topology_t t = nullptr;
  if (hwloc_topology_init(&t) != 0) throw run_error("hwloc could not start a topology");
  hwloc_handle owned(t);
  if (!synthetic.empty() && hwloc_topology_set_synthetic(t, synthetic.c_str()) != 0)
    throw run_error("hwloc refused the synthetic topology '" + synthetic + "'");
  if (hwloc_topology_load(t) != 0) throw run_error("hwloc could not load the machine topology");
  if (synthetic.empty()) check_environment_honoured(t);
  return owned;
}

machine_shape shape_of(hwloc_topology_t topo) {
  machine_shape s;
  s.nodes = nodes_of(topo);
  s.packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
  s.cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  s.caches = caches_of(topo);
  s.this_system = hwloc_topology_is_thissystem(topo) != 0;
  const int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
  for (int i = 0; i < n; ++i) {
    const hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i);
    const int os = static_cast<int>(pu->os_index);
    s.pus.push_back({os, logical_ancestor(topo, pu, HWLOC_OBJ_CORE, i),
                     logical_ancestor(topo, pu, HWLOC_OBJ_PACKAGE, 0), node_of(s.nodes, os)});
  }
  return s;
}

namespace {

struct loaded_topology {
  hwloc_handle topo;
  machine_shape shape;
};

const loaded_topology& process_loaded() {
  static const loaded_topology loaded = [] {
    loaded_topology l;
    try {
      l.topo = load_topology();
      l.shape = shape_of(l.topo.get());
    } catch (const run_error& e) {
      l.topo.reset();
      l.shape = machine_shape{};
      l.shape.problem = e.what();
    }
    return l;
  }();
  return loaded;
}

}  // namespace

const machine_shape& process_shape() { return process_loaded().shape; }

hwloc_topology_t process_topology() { return process_loaded().topo.get(); }

}  // namespace parlab::detail
