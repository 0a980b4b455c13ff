#include "backends/pinning.hpp"

#include <hwloc.h>
#include <pthread.h>

#include <climits>
#include <memory>
#include <mutex>

#include "parlab/error.hpp"

namespace parlab::detail {
namespace {

struct topology_deleter {
  void operator()(hwloc_topology_t t) const { hwloc_topology_destroy(t); }
};

// hwloc's topology of the allowed CPUs, loaded once: loading takes milliseconds.
hwloc_topology_t topology() {
  static std::unique_ptr<hwloc_topology, topology_deleter> topo = [] {
    hwloc_topology_t t = nullptr;
    if (hwloc_topology_init(&t) != 0 || hwloc_topology_load(t) != 0)
      throw run_error("pin: hwloc could not load the machine topology");
    return std::unique_ptr<hwloc_topology, topology_deleter>(t);
  }();
  return topo.get();
}

std::vector<int> compact_order() {
  std::vector<int> out;
  const int n = hwloc_get_nbobjs_by_type(topology(), HWLOC_OBJ_PU);
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<int>(hwloc_get_obj_by_type(topology(), HWLOC_OBJ_PU, i)->os_index));
  return out;
}

// hwloc_distrib spreads `workers` sets as far apart as the tree allows (packages, then
// NUMA nodes, caches, cores), which is what "spread" means on any machine shape.
std::vector<int> spread_order(unsigned workers) {
  const unsigned n_pus = static_cast<unsigned>(hwloc_get_nbobjs_by_type(topology(), HWLOC_OBJ_PU));
  const unsigned sets = std::min(workers, n_pus);
  std::vector<hwloc_bitmap_t> cpusets(sets);
  hwloc_obj_t root = hwloc_get_root_obj(topology());
  hwloc_distrib(topology(), &root, 1, cpusets.data(), sets, INT_MAX, 0);
  std::vector<int> out;
  for (hwloc_bitmap_t set : cpusets) {
    hwloc_bitmap_singlify(set);
    out.push_back(hwloc_bitmap_first(set));
    hwloc_bitmap_free(set);
  }
  return out;
}

}  // namespace

std::vector<int> allowed_cpus() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  std::vector<int> out;
  if (sched_getaffinity(0, sizeof mask, &mask) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &mask)) out.push_back(c);
  return out;
}

pinning::pinning(pin_policy policy, unsigned workers) : policy_(policy) {
  if (policy == pin_policy::none || workers == 0) return;
  static std::mutex hwloc_mutex;  // hwloc topology queries are not thread-safe during distrib
  std::lock_guard lock(hwloc_mutex);
  const std::vector<int> order =
      policy == pin_policy::compact ? compact_order() : spread_order(workers);
  if (order.empty()) throw run_error("pin: hwloc found no CPU to pin to");
  // More workers than CPUs: wrap around, so oversubscription stays visible as shared CPUs.
  for (unsigned w = 0; w < workers; ++w) cpus_.push_back(order[w % order.size()]);
}

void pinning::pin_this_thread(unsigned w) const {
  if (!active()) return;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  CPU_SET(cpus_.at(w), &mask);
  // sched_setaffinity(0) binds the calling thread (the whole process in a fork child).
  if (sched_setaffinity(0, sizeof mask, &mask) != 0)
    throw run_error("pin: could not bind worker " + std::to_string(w) + " to CPU " +
                    std::to_string(cpus_[w]));
}

std::string pinning::describe() const {
  if (!active()) return {};
  std::string out(to_string(policy_));
  out += ':';
  for (int c : cpus_) out += ' ' + std::to_string(c);
  return out;
}

pinning::restore_on_exit::restore_on_exit(const pinning& p, bool enabled) {
  if (enabled && p.active()) saved_ = sched_getaffinity(0, sizeof mask_, &mask_) == 0;
}

pinning::restore_on_exit::~restore_on_exit() {
  if (saved_) sched_setaffinity(0, sizeof mask_, &mask_);
}

}  // namespace parlab::detail
