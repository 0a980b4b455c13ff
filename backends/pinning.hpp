#pragma once
// Worker placement for --pin compact|spread: the CPU of each worker is the placement plan's
// (backends/placement.hpp) over the process's topology, chosen once per run and applied with a
// plain affinity syscall, which a forked child may call too.
#include <sched.h>

#include <string>
#include <vector>

#include "parlab/backend.hpp"

namespace parlab::detail {

class pinning {
 public:
  pinning(pin_policy policy, unsigned workers);

  [[nodiscard]] bool active() const { return !cpus_.empty(); }
  // Binds the calling thread (or process, in a fork child) to worker w's CPU; no-op when inactive.
  void pin_this_thread(unsigned w) const;
  // "compact: 0 1 2 3" - the OS index of the CPU of each worker; "" when inactive.
  [[nodiscard]] std::string describe() const;
  // The OS index of each worker's CPU; empty when inactive.
  [[nodiscard]] const std::vector<int>& cpus() const { return cpus_; }
  // The NUMA node (OS index) of each worker's CPU; empty when inactive.
  [[nodiscard]] const std::vector<int>& nodes() const { return nodes_; }

  // Saves the calling thread's affinity and puts it back at scope exit: a backend that pins the
  // caller (as worker 0) must not leave the user's thread pinned.
  class restore_on_exit {
   public:
    // enabled = false: nothing is saved or restored (OpenMP's master, restored by its caller).
    explicit restore_on_exit(const pinning& p, bool enabled = true);
    ~restore_on_exit();
    restore_on_exit(const restore_on_exit&) = delete;
    restore_on_exit& operator=(const restore_on_exit&) = delete;

   private:
    bool saved_ = false;
    cpu_set_t mask_;  // filled only when saved_: zeroing 128 bytes per run showed in profiles
  };

 private:
  pin_policy policy_;
  std::vector<int> cpus_;   // OS index per worker
  std::vector<int> nodes_;  // the NUMA node of its CPU
};

// The CPUs this process may run on (affinity mask), in OS numbering.
std::vector<int> allowed_cpus();

}  // namespace parlab::detail
