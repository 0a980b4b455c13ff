#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cpu_stage.hpp"
#include "parlab/error.hpp"
#include "parlab/kernel.hpp"
#include "parlab/shared_memory.hpp"
#include "parlab/sync.hpp"

namespace parlab {
namespace {

// What the roles of one run did, summed (or bounded) over them: every field is measured by the
// role that did the work, none is declared.
// Verified counts first and the checksum last, so that any byte of either end is checked.
struct pipeline_done {
  std::uint64_t produced = 0;
  std::uint32_t producers = 0, consumers = 0, max_in_io = 0, max_queued = 0;
  double produce_s = 0, consume_s = 0;       // time in the I/O wait, in the CPU stage
  double full_wait_s = 0, empty_wait_s = 0;  // producers on a full queue, consumers on empty
  double first_start = std::numeric_limits<double>::infinity(), last_end = 0;
  double last_start = 0;      // the start event let every role go between first and last start
  double barrier_wait_s = 0;  // roles that finished early, held at the barrier for the last
  std::uint64_t consumed = 0, checksum = 0;
};

// Everything the roles share, in one mapping made before any worker forks: the start event (a
// latch: the last role to arrive sets it), the I/O semaphore, the end-of-work barrier and the
// queue, whose items follow it in the mapping.
struct shared_state {
  std::atomic<unsigned> arrived{0};
  sync::event start;
  sync::semaphore io;
  sync::barrier finished;
};
constexpr std::size_t queue_offset = (sizeof(shared_state) + 63) / 64 * 64;

// Lesson 8: producers do simulated I/O, at most --io-slots at once (a semaphore), and hand each
// item through a bounded queue (a mutex and two conditions) to consumers, who do --cpu of real
// work on it. Every role starts on one event and meets at a barrier before the check phase.
class pipeline_kernel final : public role_kernel<pipeline_done> {
 public:
  std::string_view name() const override { return "pipeline"; }
  std::string_view description() const override {
    return "producers (--duration I/O, --io-slots at once) -> bounded queue (--capacity) -> "
           "consumers (--cpu of work); --items";
  }
  std::vector<param_spec> params() const override {
    return {
        {"items", param_kind::count, 64, "items through the pipeline", 1, {}, max_items},
        {"duration",
         param_kind::duration,
         0.01,
         "length of each producer's I/O wait",
         0,
         {},
         max_wait_s},
        {"cpu",
         param_kind::duration,
         0.002,
         "CPU work per item on one core here",
         0,
         {},
         max_wait_s},
        {"capacity", param_kind::count, 4, "bounded queue's capacity in items", 1, {}, max_items},
        {"io-slots",
         param_kind::count,
         4,
         "producers in their I/O wait at once, at most",
         1,
         {},
         max_items},
        {"producers",
         param_kind::count,
         0,
         "producer roles; 0 = half the workers, >= 1",
         0,
         {},
         max_items,
         "auto"},
        {"cpu-rounds",
         param_kind::count,
         0,
         "mixing rounds per item; 0 = calibrated from --cpu (recorded)",
         0,
         {},
         max_rounds}};
  }
  kernel_traits traits() const override {
    return {.work = work_kind::waits_and_compute, .needs_concurrency = true};
  }

  void prepare(const param_values& values) override;
  param_values resolved(const param_values& given) const override {
    param_values v = given;
    v.set("cpu-rounds", static_cast<double>(cpu_.rounds()));
    return v;
  }
  std::string worker_problem(const param_values& values, unsigned workers) const override {
    const std::uint64_t p = values.count("producers");
    if (workers < 2) return "at least 2 workers for kernel pipeline (a producer and a consumer)";
    if (p >= workers)
      return "more workers than --producers " + std::to_string(p) + " (a consumer at least)";
    return {};
  }

  role_split split(unsigned workers) const override {
    const unsigned p = producers_ != 0 ? producers_ : std::max(1u, workers / 2);
    if (workers < 2 || p >= workers)
      throw usage_error("pipeline: " + worker_problem(values_, workers));
    return {p, workers - p};
  }
  void reset_run(const role_split& s) const override {
    state_->arrived = 0;
    state_->start.init();
    state_->io.init(io_slots_);
    state_->finished.init(s.total());
    queue().init(capacity_, s.first);
  }
  void cancel_run() const override {
    state_->start.poison();
    state_->io.poison();
    state_->finished.poison();
    queue().poison();
  }

  pipeline_done role(unsigned index, const role_split& s) const override;
  pipeline_done combine(const pipeline_done& a, const pipeline_done& b) const override;
  verdict check(const pipeline_done& d) const override;
  std::vector<record_field> fields(const pipeline_done& d, const run_summary& runs) const override;
  work_amount work() const override { return {0, 0, static_cast<double>(items_)}; }
  double ideal_seconds(unsigned workers) const override;

 private:
  void produce(unsigned p, unsigned producers, pipeline_done& d) const;
  void consume(pipeline_done& d) const;
  sync::bounded_queue& queue() const {
    return *std::launder(reinterpret_cast<sync::bounded_queue*>(memory_->data() + queue_offset));
  }

  param_values values_;
  std::uint64_t items_ = 0, capacity_ = 0;
  unsigned io_slots_ = 0, producers_ = 0;
  long long wait_ns_ = 0;
  cpu_stage cpu_;
  std::uint64_t expected_ = 0;
  std::unique_ptr<shared_memory> memory_;
  shared_state* state_ = nullptr;
};

void pipeline_kernel::prepare(const param_values& values) {
  values_ = values;
  items_ = values.count("items");
  io_slots_ = static_cast<unsigned>(std::min<std::uint64_t>(values.count("io-slots"), 1u << 20));
  producers_ = static_cast<unsigned>(std::min<std::uint64_t>(values.count("producers"), 1u << 20));
  wait_ns_ = std::llround(values.real("duration") * 1e9);
  cpu_ = values.count("cpu-rounds") != 0 ? cpu_stage(values.count("cpu-rounds"))
                                         : cpu_stage::lasting(values.real("cpu"));
  expected_ = cpu_.checksum(items_);
  if (!memory_ || values.count("capacity") != capacity_) {
    capacity_ = values.count("capacity");
    state_ = nullptr;
    memory_.reset();  // a worker pool forked with the old mapping is re-forked: a new task
    memory_ =
        std::make_unique<shared_memory>(queue_offset + sync::bounded_queue::bytes_for(capacity_));
    state_ = new (memory_->data()) shared_state;
    new (memory_->data() + queue_offset) sync::bounded_queue;
  }
}

pipeline_done pipeline_kernel::role(unsigned index, const role_split& s) const {
  pipeline_done d;
  if (state_->arrived.fetch_add(1) + 1 == s.total()) state_->start.set();
  state_->start.wait();
  d.first_start = d.last_start = monotonic_s();
  if (index < s.first)
    produce(index, s.first, d);
  else
    consume(d);
  const double arrived = monotonic_s();
  state_->finished.arrive_and_wait();
  d.barrier_wait_s = monotonic_s() - arrived;
  // The check phase: every role is done, so nothing may be left in the queue.
  std::uint64_t left = 0;
  double unused = 0;
  if (index >= s.first && queue().pop(left, unused))
    throw run_error("item " + std::to_string(left) + " was still queued after every role ended");
  if (index == 0) {
    d.max_in_io = state_->io.peak();
    d.max_queued = static_cast<std::uint32_t>(queue().peak());
  }
  d.last_end = monotonic_s();
  return d;
}

void pipeline_kernel::produce(unsigned p, unsigned producers, pipeline_done& d) const {
  d.producers = 1;
  for (std::uint64_t i = p; i < items_; i += producers) {
    state_->io.acquire();
    const double started = monotonic_s();
    io_wait(wait_ns_);
    d.produce_s += monotonic_s() - started;
    state_->io.release();
    d.full_wait_s += queue().push(i);
    ++d.produced;
  }
  queue().producer_done();
}

void pipeline_kernel::consume(pipeline_done& d) const {
  d.consumers = 1;
  std::uint64_t item = 0;
  while (queue().pop(item, d.empty_wait_s)) {
    const double started = monotonic_s();
    d.checksum += cpu_.item(item);
    d.consume_s += monotonic_s() - started;
    ++d.consumed;
  }
}

pipeline_done pipeline_kernel::combine(const pipeline_done& a, const pipeline_done& b) const {
  return {a.produced + b.produced,
          a.producers + b.producers,
          a.consumers + b.consumers,
          std::max(a.max_in_io, b.max_in_io),
          std::max(a.max_queued, b.max_queued),
          a.produce_s + b.produce_s,
          a.consume_s + b.consume_s,
          a.full_wait_s + b.full_wait_s,
          a.empty_wait_s + b.empty_wait_s,
          std::min(a.first_start, b.first_start),
          std::max(a.last_end, b.last_end),
          std::max(a.last_start, b.last_start),
          a.barrier_wait_s + b.barrier_wait_s,
          a.consumed + b.consumed,
          a.checksum + b.checksum};
}

verdict pipeline_kernel::check(const pipeline_done& d) const {
  const bool counts = d.produced == items_ && d.consumed == items_;
  std::string detail = std::to_string(d.produced) + " items produced, " +
                       std::to_string(d.consumed) + " consumed, of " + std::to_string(items_);
  if (counts && d.checksum != expected_)
    detail +=
        ", but not the right ones (an item lost and another consumed twice, or a wrong "
        "result: checksum " +
        std::to_string(d.checksum) + ", expected " + std::to_string(expected_) + ")";
  if (d.max_in_io > io_slots_)
    detail += "; " + std::to_string(d.max_in_io) + " producers waited at once, above --io-slots " +
              std::to_string(io_slots_);
  return {counts && d.checksum == expected_ && d.max_in_io <= io_slots_, detail};
}

std::vector<record_field> pipeline_kernel::fields(const pipeline_done& d,
                                                  const run_summary& runs) const {
  const double wall = d.last_end > d.first_start ? d.last_end - d.first_start : 0;
  const auto busy = [wall](double s, std::uint32_t roles) {
    return wall > 0 && roles > 0 ? s / (wall * roles) : 0.0;
  };
  return {{"producers", std::int64_t{d.producers}},
          {"consumers", std::int64_t{d.consumers}},
          {"cpu_rounds", static_cast<std::int64_t>(cpu_.rounds())},
          {"items_per_s", runs.median_s > 0 ? static_cast<double>(items_) / runs.median_s : 0.0},
          {"queue_wait_s", d.full_wait_s + d.empty_wait_s},
          {"full_wait_s", d.full_wait_s},
          {"empty_wait_s", d.empty_wait_s},
          {"producer_busy", busy(d.produce_s, d.producers)},
          {"consumer_busy", busy(d.consume_s, d.consumers)},
          {"max_in_io", std::int64_t{d.max_in_io}},
          {"max_queued", std::int64_t{d.max_queued}},
          {"start_spread_s", d.last_start > d.first_start ? d.last_start - d.first_start : 0.0},
          {"barrier_wait_s", d.barrier_wait_s}};
}

// The larger of the two stages' bounds: the I/O of every item through min(producers, slots) at
// once, then the last item's CPU; and the first wait, then every item's CPU over the consumers
// (no more at once than this machine has cores).
double pipeline_kernel::ideal_seconds(unsigned workers) const {
  if (workers < 2) return 0;
  const unsigned p = producers_ != 0 ? producers_ : std::max(1u, workers / 2);
  if (p >= workers) return 0;
  const double wait = static_cast<double>(wait_ns_) * 1e-9, cpu = cpu_.seconds();
  const auto rounds_of = [this](std::uint64_t width) {
    return static_cast<double>((items_ + width - 1) / width);
  };
  const std::uint64_t in_io = std::min<std::uint64_t>(p, io_slots_);
  const std::uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::uint64_t computing = std::min<std::uint64_t>(workers - p, cores);
  return std::max(rounds_of(in_io) * wait + cpu, wait + rounds_of(computing) * cpu);
}

}  // namespace

std::unique_ptr<kernel> make_pipeline_kernel() { return std::make_unique<pipeline_kernel>(); }

}  // namespace parlab
