#include "runners/bandwidth.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "backends/chunking.hpp"
#include "parlab/error.hpp"
#include "parlab/hot_loop.hpp"
#include "parlab/huge_array.hpp"
#include "runners/machine.hpp"

namespace parlab::runner {
namespace {

// The hot loop, cloned for AVX2 and the x86-64 baseline and chosen at load time (the engine's
// PARLAB_HOT_LOOP), so one binary streams at full width on any x86-64 without -march=native.
PARLAB_HOT_LOOP std::uint64_t load_sum(const std::int64_t* a, std::size_t n) {
  // One vector accumulator is enough: from DRAM the loads, not the adds, are the limit.
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(a[i]);
  return s;
}

// Block w of `workers` contiguous blocks, cut as the static schedules cut them.
std::span<const std::int64_t> block(std::span<const std::int64_t> data, unsigned workers,
                                    unsigned w) {
  const index_range r = detail::static_block(data.size(), workers, w);
  return data.subspan(r.begin, r.size());
}

}  // namespace

read_stream::read_stream(std::span<const std::int64_t> data, unsigned threads,
                         std::uint64_t expected_sum)
    : data_(data),
      threads_(std::max(1U, threads)),
      partials_(threads_),
      start_(static_cast<std::ptrdiff_t>(threads_)),
      done_(static_cast<std::ptrdiff_t>(threads_)),
      expected_(expected_sum) {
  pool_.reserve(threads_ - 1);
  for (unsigned w = 1; w < threads_; ++w) pool_.emplace_back([this, w] { worker(w); });
  try {
    pass();  // warm-up: caches and TLB, and a first check of the total
  } catch (...) {
    stop();  // no destructor runs for a constructor that throws
    throw;
  }
}

read_stream::~read_stream() { stop(); }

void read_stream::stop() {
  stop_ = true;
  start_.arrive_and_wait();  // releases the workers, which see stop_ and return
}

void read_stream::worker(unsigned w) {
  for (;;) {
    start_.arrive_and_wait();
    if (stop_) return;
    partials_[w].sum = read_block(w);
    partials_[w].ran = true;
    done_.arrive_and_wait();
  }
}

std::uint64_t read_stream::read_block(unsigned w) {
  const std::span<const std::int64_t> b = block(data_, threads_, w);
  return load_sum(b.data(), b.size());
}

double read_stream::pass() {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  start_.arrive_and_wait();
  partials_[0].sum = read_block(0);
  partials_[0].ran = true;
  done_.arrive_and_wait();
  const auto t1 = clock::now();
  std::uint64_t sum = 0;
  seen_ = 0;
  for (slot& p : partials_) {
    sum += std::exchange(p.sum, 0);
    seen_ += std::exchange(p.ran, false) ? 1 : 0;
  }
  if (sum != expected_)
    throw run_error("bandwidth probe: checksum " + std::to_string(sum) + ", expected " +
                    std::to_string(expected_));
  return std::chrono::duration<double>(t1 - t0).count();
}

double measure_read_bandwidth(std::size_t bytes, unsigned threads, int reps) {
  const std::size_t n = std::max<std::size_t>(bytes / sizeof(std::int64_t), 1);
  if (threads == 0) threads = usable_cpus().cpus;
  const huge_array<std::int64_t> data = iota_array(n);
  read_stream stream(data.span(), threads, iota_sum(n));
  double best = stream.pass();
  for (int r = 1; r < reps; ++r) best = std::min(best, stream.pass());
  return static_cast<double>(stream.bytes()) / best / 1e9;
}

}  // namespace parlab::runner
