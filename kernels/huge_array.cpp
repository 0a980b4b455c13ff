#include "parlab/huge_array.hpp"

#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backends/chunking.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {
constexpr std::size_t huge_page = std::size_t{2} << 20;
}

huge_array_base::huge_array_base(std::size_t bytes) {
  if (bytes == 0) return;
  bytes_ = bytes;
  const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
  mapped_bytes_ = rounded + huge_page;  // slack to align the start to 2 MiB
  mapping_ =
      mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) {
    mapping_ = nullptr;
    throw run_error("could not map " + std::to_string(bytes) +
                    " bytes for kernel data: " + std::strerror(errno));
  }
  const auto addr = reinterpret_cast<std::uintptr_t>(mapping_);
  aligned_ = reinterpret_cast<void*>((addr + huge_page - 1) / huge_page * huge_page);
  // Must come before the first touch: THP in "madvise" mode backs only advised ranges.
  advised_ = madvise(aligned_, rounded, MADV_HUGEPAGE) == 0;
}

huge_array_base::~huge_array_base() {
  if (mapping_ != nullptr) munmap(mapping_, mapped_bytes_);
}

huge_array_base::huge_array_base(huge_array_base&& other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      mapped_bytes_(std::exchange(other.mapped_bytes_, 0)),
      aligned_(std::exchange(other.aligned_, nullptr)),
      advised_(std::exchange(other.advised_, false)) {}

huge_array_base& huge_array_base::operator=(huge_array_base&& other) noexcept {
  if (this != &other) {
    if (mapping_ != nullptr) munmap(mapping_, mapped_bytes_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
    aligned_ = std::exchange(other.aligned_, nullptr);
    advised_ = std::exchange(other.advised_, false);
  }
  return *this;
}

bool huge_array_base::inherit_on_fork(bool children_map_it) const noexcept {
  if (aligned_ == nullptr) return true;
  return madvise(aligned_, mapped_bytes_ - huge_page,
                 children_map_it ? MADV_DOFORK : MADV_DONTFORK) == 0;
}

namespace {
thread_local std::vector<int> touch_cpus;  // first_touch_on's, for this thread's first_touch

void pin_to(int cpu) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  CPU_SET(cpu, &mask);
  if (sched_setaffinity(0, sizeof mask, &mask) != 0)
    throw run_error("first touch: could not bind a thread to CPU " + std::to_string(cpu));
}
}  // namespace

first_touch_on::first_touch_on(std::vector<int> cpus)
    : previous_(std::exchange(touch_cpus, cpus)) {}
first_touch_on::~first_touch_on() { touch_cpus = std::move(previous_); }

void first_touch(std::size_t n, const std::function<void(index_range)>& fill) {
  const std::vector<int> cpus = touch_cpus;
  const auto workers =
      cpus.empty()
          ? static_cast<unsigned>(std::clamp<std::size_t>(
                n / (std::size_t{1} << 16), 1, std::max(1U, std::thread::hardware_concurrency())))
          : static_cast<unsigned>(cpus.size());
  // Every block on a thread of its own, the caller's included, so that the caller's affinity
  // is never changed and a pinned block is touched from its CPU.
  std::exception_ptr failed;
  std::mutex failed_mutex;
  {
    std::vector<std::jthread> pool;
    pool.reserve(workers);
    for (unsigned w = 0; w < workers; ++w)
      pool.emplace_back([&, w] {
        try {
          if (!cpus.empty()) pin_to(cpus[w]);
          fill(detail::static_block(n, workers, w));
        } catch (...) {
          const std::lock_guard lock(failed_mutex);
          if (!failed) failed = std::current_exception();
        }
      });
  }
  if (failed) std::rethrow_exception(failed);
}

huge_array<std::int64_t> iota_array(std::size_t n, std::size_t first) {
  huge_array<std::int64_t> data(n);
  std::int64_t* a = data.data();
  first_touch(n, [a, first](index_range r) {
    for (std::size_t i = r.begin; i < r.end; ++i) a[i] = static_cast<std::int64_t>(first + i + 1);
  });
  return data;
}

// Halve the even factor first, so that the product is exact before it wraps.
std::uint64_t iota_sum(std::uint64_t n) {
  return n % 2 == 0 ? (n / 2) * (n + 1) : n * ((n + 1) / 2);
}

page_use huge_array_base::pages() const {
  page_use use;
  if (aligned_ == nullptr) return use;
  const auto begin = reinterpret_cast<std::uintptr_t>(aligned_);
  const std::uintptr_t end = begin + (mapped_bytes_ - huge_page);
  use.bytes = end - begin;
  // smaps gives AnonHugePages per mapping; the array's own range is a mapping of its own, since
  // MADV_HUGEPAGE splits it from the unadvised slack around it.
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2 &&
        line.find(':') > line.find(' ')) {
      inside = lo < end && hi > begin;
      continue;
    }
    std::size_t kb = 0;
    if (inside && std::sscanf(line.c_str(), "AnonHugePages: %zu kB", &kb) == 1)
      use.huge_bytes += kb * 1024;
  }
  use.huge_bytes = std::min(use.huge_bytes, use.bytes);
  return use;
}

}  // namespace parlab
