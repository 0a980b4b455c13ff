#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cpu_stage.hpp"
#include "parlab/kernel.hpp"
#include "parlab/shared_memory.hpp"
#include "parlab/sync.hpp"

namespace parlab {
namespace {

// What the roles of one run did, summed over them, each measured by the role that did it.
// Verified counts first and the checksum last, so that any byte of either end is checked.
struct mixed_done {
  std::uint64_t waited = 0;
  std::uint32_t io_roles = 0, cpu_roles = 0;  // roles that did waits, that did computation
  double wait_s = 0, cpu_s = 0, handoff_wait_s = 0;
  double first_start = std::numeric_limits<double>::infinity(), last_end = 0;
  std::uint64_t computed = 0, checksum = 0;
};

// The queue between the stages holds at most this many items, whatever --items is.
constexpr std::uint64_t max_capacity = 4096;

// Lesson 9: every item is an I/O wait, then computation. On one backend each role does both for
// its share of the items (the fused split {W, 0}, which any backend runs, seq and tbb included,
// since no role waits on another). A staged run (parlab/staged_run.hpp) splits them {P, C}: the
// first stage's roles wait and hand each item through a queue to the second stage's, which
// compute, so the waits and the computation can run on different kinds of worker.
class mixed_kernel final : public role_kernel<mixed_done> {
 public:
  std::string_view name() const override { return "mixed"; }
  std::string_view description() const override {
    return "--items, each an I/O wait (--duration) then --cpu of work; split over two backends "
           "with --cpu-on";
  }
  std::vector<param_spec> params() const override {
    return {{"items",
             param_kind::count,
             48,
             "items, each a wait and then computation",
             1,
             {},
             max_items},
            {"duration",
             param_kind::duration,
             0.05,
             "length of each item's I/O wait",
             0,
             {},
             max_wait_s},
            {"cpu",
             param_kind::duration,
             0.02,
             "CPU work per item on one core here",
             0,
             {},
             max_wait_s},
            {"cpu-rounds",
             param_kind::count,
             0,
             "mixing rounds per item; 0 = calibrated from --cpu (recorded)",
             0,
             {},
             max_rounds}};
  }
  kernel_traits traits() const override { return {.work = work_kind::waits_and_compute}; }

  void prepare(const param_values& values) override;
  param_values resolved(const param_values& given) const override {
    param_values v = given;
    v.set("cpu-rounds", static_cast<double>(cpu_.rounds()));
    return v;
  }
  void reset_run(const role_split& s) const override {
    if (s.second > 0) queue().init(capacity_, s.first);
  }
  void cancel_run() const override { queue().poison(); }

  mixed_done role(unsigned index, const role_split& s) const override;
  mixed_done combine(const mixed_done& a, const mixed_done& b) const override;
  verdict check(const mixed_done& d) const override;
  std::vector<record_field> fields(const mixed_done& d, const run_summary& runs) const override;
  work_amount work() const override { return {0, 0, static_cast<double>(items_)}; }
  double ideal_seconds(unsigned workers) const override;

 private:
  void wait_and_compute(unsigned r, unsigned roles, mixed_done& d) const;
  void wait_and_hand_off(unsigned r, unsigned roles, mixed_done& d) const;
  void compute_handed(mixed_done& d) const;
  [[nodiscard]] std::uint64_t computed(std::uint64_t item, mixed_done& d) const {
    const double started = monotonic_s();
    const std::uint64_t value = cpu_.item(item);
    d.cpu_s += monotonic_s() - started;
    ++d.computed;
    return value;
  }
  void waited(mixed_done& d) const {
    const double started = monotonic_s();
    io_wait(wait_ns_);
    d.wait_s += monotonic_s() - started;
    ++d.waited;
  }
  sync::bounded_queue& queue() const {
    return *std::launder(reinterpret_cast<sync::bounded_queue*>(memory_->data()));
  }

  std::uint64_t items_ = 0, capacity_ = 0;
  long long wait_ns_ = 0;
  cpu_stage cpu_;
  std::uint64_t expected_ = 0;
  // The queue lives in a mapping made before any worker forks, so a process stage shares it.
  std::unique_ptr<shared_memory> memory_;
};

void mixed_kernel::prepare(const param_values& values) {
  items_ = values.count("items");
  wait_ns_ = std::llround(values.real("duration") * 1e9);
  cpu_ = values.count("cpu-rounds") != 0 ? cpu_stage(values.count("cpu-rounds"))
                                         : cpu_stage::lasting(values.real("cpu"));
  expected_ = cpu_.checksum(items_);
  const std::uint64_t capacity = std::min(items_, max_capacity);
  if (!memory_ || capacity != capacity_) {
    capacity_ = capacity;
    memory_.reset();  // a worker pool forked with the old mapping is re-forked: a new task
    memory_ = std::make_unique<shared_memory>(sync::bounded_queue::bytes_for(capacity_));
    new (memory_->data()) sync::bounded_queue;
  }
}

mixed_done mixed_kernel::role(unsigned index, const role_split& s) const {
  mixed_done d;
  d.first_start = monotonic_s();
  if (s.second == 0)
    wait_and_compute(index, s.first, d);
  else if (index < s.first)
    wait_and_hand_off(index, s.first, d);
  else
    compute_handed(d);
  d.last_end = monotonic_s();
  return d;
}

void mixed_kernel::wait_and_compute(unsigned r, unsigned roles, mixed_done& d) const {
  d.io_roles = d.cpu_roles = 1;
  for (std::uint64_t i = r; i < items_; i += roles) {
    waited(d);
    d.checksum += computed(i, d);
  }
}

void mixed_kernel::wait_and_hand_off(unsigned r, unsigned roles, mixed_done& d) const {
  d.io_roles = 1;
  for (std::uint64_t i = r; i < items_; i += roles) {
    waited(d);
    d.handoff_wait_s += queue().push(i);
  }
  queue().producer_done();
}

void mixed_kernel::compute_handed(mixed_done& d) const {
  d.cpu_roles = 1;
  std::uint64_t item = 0;
  while (queue().pop(item, d.handoff_wait_s)) d.checksum += computed(item, d);
}

mixed_done mixed_kernel::combine(const mixed_done& a, const mixed_done& b) const {
  return {a.waited + b.waited,
          a.io_roles + b.io_roles,
          a.cpu_roles + b.cpu_roles,
          a.wait_s + b.wait_s,
          a.cpu_s + b.cpu_s,
          a.handoff_wait_s + b.handoff_wait_s,
          std::min(a.first_start, b.first_start),
          std::max(a.last_end, b.last_end),
          a.computed + b.computed,
          a.checksum + b.checksum};
}

verdict mixed_kernel::check(const mixed_done& d) const {
  const bool counts = d.waited == items_ && d.computed == items_;
  std::string detail = std::to_string(d.waited) + " items waited for, " +
                       std::to_string(d.computed) + " computed, of " + std::to_string(items_);
  if (counts && d.checksum != expected_)
    detail += ", but not the right ones (checksum " + std::to_string(d.checksum) + ", expected " +
              std::to_string(expected_) + ")";
  return {counts && d.checksum == expected_, detail};
}

std::vector<record_field> mixed_kernel::fields(const mixed_done& d, const run_summary& runs) const {
  return {{"io_roles", std::int64_t{d.io_roles}},
          {"cpu_roles", std::int64_t{d.cpu_roles}},
          {"cpu_rounds", static_cast<std::int64_t>(cpu_.rounds())},
          {"items_per_s", runs.median_s > 0 ? static_cast<double>(items_) / runs.median_s : 0.0},
          {"wait_s", d.wait_s},
          {"cpu_s", d.cpu_s},
          {"handoff_wait_s", d.handoff_wait_s}};
}

// One backend's workers, each doing its share of the items one after another, no more of them
// computing at once than this machine has cores: the longer of a worker's share and the whole
// computation spread over the cores.
double mixed_kernel::ideal_seconds(unsigned workers) const {
  if (workers == 0) return 0;
  const double wait = static_cast<double>(wait_ns_) * 1e-9, cpu = cpu_.seconds();
  const double share = std::ceil(static_cast<double>(items_) / workers) * (wait + cpu);
  const unsigned cores = std::max(1u, std::min(workers, std::thread::hardware_concurrency()));
  return std::max(share, static_cast<double>(items_) * cpu / cores);
}

}  // namespace

std::unique_ptr<kernel> make_mixed_kernel() { return std::make_unique<mixed_kernel>(); }

}  // namespace parlab
