#include "backends/pinning.hpp"

#include <pthread.h>

#include "backends/placement.hpp"
#include "parlab/error.hpp"

namespace parlab::detail {

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
  const machine_shape& shape = process_shape();
  if (!shape.known())
    throw run_error("pin: " +
                    (shape.problem.empty() ? "hwloc found no CPU to pin to" : shape.problem));
  // A synthetic or XML topology names CPUs this machine may not have: binding to them would fail
  // or, worse, succeed on the wrong ones.
  if (!shape.this_system)
    throw run_error(
        "pin: the topology hwloc loaded is not this machine's (HWLOC_SYNTHETIC or "
        "HWLOC_XMLFILE is set): unset it to pin");
  const std::vector<std::size_t> plan = placement_plan(shape, policy, workers, allowed_cpus());
  if (plan.empty())
    throw run_error(
        "pin: none of the CPUs this process may run on (its affinity mask) is in "
        "hwloc's topology");
  for (std::size_t pu : plan) {
    cpus_.push_back(shape.pus[pu].os_index);
    nodes_.push_back(shape.pus[pu].node);
  }
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
