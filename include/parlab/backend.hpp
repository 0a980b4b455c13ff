#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "parlab/reduce_task.hpp"

namespace parlab {

enum class schedule { static_, dynamic, guided };
enum class pin_policy { none, compact, spread };

std::string_view to_string(schedule s);
std::string_view to_string(pin_policy p);

struct run_options {
  unsigned threads = 1;
  schedule sched = schedule::static_;
  // Elements per chunk; 0 lets the engine choose (see effective_grain).
  std::size_t grain = 0;
  pin_policy pin = pin_policy::none;
};

struct run_report {
  // Distinct threads or processes that really executed the body: a backend asked for 8 that
  // ran on 2 shows 2.
  unsigned workers_seen = 0;
  // Where workers were placed, when pinning was asked for ("" when not pinned).
  std::string placement;
};

// The grain a schedule really uses for n elements on this many threads. Static with no grain
// means one contiguous block per worker; dynamic and guided default to chunks small enough to
// balance and large enough that claiming one costs nothing next to running it.
std::size_t effective_grain(std::size_t n, unsigned threads, schedule s, std::size_t grain);

// How a reduction is executed: seq, threads, tbb, omp, fork. A backend knows nothing of kernels.
class backend {
 public:
  virtual ~backend() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;

  // Runs task over [0, task.n) and writes the combined partial to `result`
  // (task.partial_size bytes). Any failure of the body, in any worker, is thrown as
  // parlab::run_error carrying the original message.
  run_report run(const reduce_task& task, const run_options& options, void* result) const;

  // Ends whatever the backend keeps between runs (forkpool's worker processes). Runs after it
  // start afresh; the runner calls it when it is done with a task.
  virtual void release() const {}

 protected:
  virtual run_report execute(const reduce_task& task, const run_options& options,
                             void* result) const = 0;
};

}  // namespace parlab
