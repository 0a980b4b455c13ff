#pragma once
// Facts about the machine and this process that move numbers: what `parlab info` prints and
// every JSON document's "machine" block carries.
#include <string>

#include "runners/reporter.hpp"

namespace parlab::runner {

struct cpu_allowance {
  unsigned cpus = 1;        // what this process may really use
  unsigned online = 1;      // hardware threads online
  unsigned affinity = 1;    // CPUs in the affinity mask
  double cgroup_quota = 0;  // cpu.max quota / period, 0 when unlimited
  std::string limited_by;   // "affinity", "cgroup" or "none"
};

// The smallest of the affinity mask and the cgroup cpu.max quota (rounded up).
cpu_allowance usable_cpus();

json machine_facts();

// The read-bandwidth probe (runners/bandwidth.hpp) over an array four times the last-level
// caches (at least 512 MiB, at most a quarter of memory) on every usable CPU:
// {"gbs", "bytes", "threads"}. It takes about a second; memory-bound records are divided by it.
json read_bandwidth_facts();

}  // namespace parlab::runner
