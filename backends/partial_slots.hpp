#pragma once
// One cache-line-aligned slot per worker for its running partial and a "ran" mark, so that
// workers never share a line and workers_seen counts those that really executed the body; the
// mark's line also keeps the CPU the worker began on, so that where workers ran is measured.
#include <sched.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "parlab/backend.hpp"
#include "parlab/index_range.hpp"
#include "parlab/reduce_task.hpp"

namespace parlab::detail {

class partial_slots {
 public:
  static constexpr std::size_t line = 64;

  // bytes rounded up to whole cache lines: where slots may start in a larger shared block.
  static constexpr std::size_t round_up(std::size_t bytes) {
    return (bytes + line - 1) / line * line;
  }
  static std::size_t stride(std::size_t partial_size) { return line + round_up(partial_size); }
  static std::size_t bytes_needed(std::size_t partial_size, unsigned workers) {
    return stride(partial_size) * workers;
  }

  // Slots live in `memory` (bytes_needed bytes, 64-aligned) when given: the fork backend passes
  // a shared mapping. Otherwise they are inline up to 8 small slots (an allocation is a fifth of
  // a 1e3-element run), else allocated here.
  partial_slots(const reduce_task& task, unsigned workers, std::byte* memory = nullptr)
      : task_(task), workers_(workers), stride_(stride(task.partial_size)) {
    const std::size_t bytes = bytes_needed(task.partial_size, workers);
    if (memory == nullptr && bytes <= sizeof inline_) memory = inline_;
    if (memory == nullptr) {
      owned_.reset(new (std::align_val_t{line}) std::byte[bytes]);
      memory = owned_.get();
    }
    base_ = memory;
    reset();
  }

  partial_slots(const partial_slots&) = delete;  // base_ may point into this object
  partial_slots& operator=(const partial_slots&) = delete;

  // No slot marked as ran: before each run. A slot's first chunk overwrites it (evaluate), so
  // slots never hold the identity and a run makes no identity calls unless nothing ran.
  void reset() const {
    for (unsigned w = 0; w < workers_; ++w) ran_flag(w) = 0;
  }

  void* partial(unsigned w) const { return base_ + std::size_t{w} * stride_ + line; }
  // Worker w runs the body over r into its own slot: what every backend does with a chunk.
  void accumulate(unsigned w, index_range r) const {
    if (ran_flag(w) == 0) {
      mark_ran(w);
      task_.evaluate(r, partial(w));
    } else {
      task_.accumulate(r, partial(w));
    }
  }
  // Worker w folds a finished item's partial into its slot: what an event loop does per item.
  void deliver(unsigned w, const void* p) const {
    if (ran_flag(w) == 0) {
      mark_ran(w);
      std::memcpy(partial(w), p, task_.partial_size);
    } else {
      task_.combine(partial(w), p);
    }
  }
  [[nodiscard]] bool ran(unsigned w) const { return ran_flag(w) != 0; }

  // result = every slot that ran combined in worker order, or the identity if none ran.
  // Returns how many ran.
  unsigned combine_into(void* result) const {
    unsigned seen = 0;
    for (unsigned w = 0; w < workers_; ++w) {
      if (!ran(w)) continue;
      if (seen++ == 0)
        std::memcpy(result, partial(w), task_.partial_size);
      else
        task_.combine(result, partial(w));
    }
    if (seen == 0) task_.identity(result);
    return seen;
  }

  // The CPU each worker that ran began on, in worker order.
  [[nodiscard]] std::vector<int> cpus() const {
    std::vector<int> out;
    for (unsigned w = 0; w < workers_; ++w)
      if (ran(w)) out.push_back(cpu_of(w));
    return out;
  }

  // What every backend of slots reports: the combined result's workers and CPUs, the placement.
  run_report report(void* result, std::string placement, bool started_together) const {
    run_report r{combine_into(result), std::move(placement), started_together};
    r.worker_cpus = cpus();
    return r;
  }

 private:
  struct aligned_delete {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{line}); }
  };
  std::uint8_t& ran_flag(unsigned w) const {
    return *reinterpret_cast<std::uint8_t*>(base_ + std::size_t{w} * stride_);
  }
  std::int32_t& cpu_of(unsigned w) const {
    return *reinterpret_cast<std::int32_t*>(base_ + std::size_t{w} * stride_ +
                                            sizeof(std::int32_t));
  }
  // Once a run per worker: sched_getcpu is a vDSO read, nothing next to a chunk.
  void mark_ran(unsigned w) const {
    ran_flag(w) = 1;
    cpu_of(w) = sched_getcpu();
  }

  const reduce_task& task_;
  unsigned workers_;
  std::size_t stride_;
  std::unique_ptr<std::byte[], aligned_delete> owned_;
  std::byte* base_ = nullptr;
  alignas(line) std::byte inline_[8 * 2 * line];
};

}  // namespace parlab::detail
