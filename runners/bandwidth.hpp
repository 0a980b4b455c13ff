#pragma once
// The machine's read bandwidth: the physical ceiling of a memory-bound kernel. A pure load
// stream over a large array on all usable cores, what STREAM and likwid-bench's `load` test
// measure. Bandwidth on a shared machine moves by tens of percent from one minute to the next,
// so a fraction of it means something only when both are measured in the same run.
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

namespace parlab::runner {

// Streams `data` on `threads` persistent threads, each over its contiguous block (the
// partition first_touch and the static schedules use), so that a pass times memory rather than
// thread creation. The data must not change while the stream exists; `expected_sum` is its
// known total (iota_sum for an iota_array), which every pass must reproduce.
class read_stream {
 public:
  read_stream(std::span<const std::int64_t> data, unsigned threads, std::uint64_t expected_sum);
  ~read_stream();
  read_stream(const read_stream&) = delete;
  read_stream& operator=(const read_stream&) = delete;

  // One pass of every thread over its block; returns its wall time in seconds. The loads feed
  // a checksum compared with the known total, so no compiler can drop them; a mismatch (a
  // block skipped or read twice, memory changed under us) throws run_error.
  double pass();
  [[nodiscard]] std::size_t bytes() const { return data_.size_bytes(); }
  [[nodiscard]] unsigned threads() const { return threads_; }
  // Threads that really read a block in the last pass, counted by the threads themselves.
  [[nodiscard]] unsigned workers_seen() const { return seen_; }

 private:
  struct alignas(64) slot {
    std::uint64_t sum = 0;
    bool ran = false;
  };
  void worker(unsigned w);
  void stop();
  std::uint64_t read_block(unsigned w);

  std::span<const std::int64_t> data_;
  unsigned threads_;
  std::vector<slot> partials_;
  std::barrier<> start_;
  std::barrier<> done_;
  bool stop_ = false;  // written before start_ completes, read after: the barrier orders it
  std::uint64_t expected_;
  unsigned seen_ = 0;
  std::vector<std::jthread> pool_;
};

// Best-of-`reps` read bandwidth in GB/s (1e9 bytes/s) over a fresh array of `bytes` bytes in
// huge pages, first-touched in parallel; `threads` 0 means every usable CPU.
double measure_read_bandwidth(std::size_t bytes, unsigned threads = 0, int reps = 5);

}  // namespace parlab::runner
