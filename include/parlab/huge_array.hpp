#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "parlab/index_range.hpp"

namespace parlab {

// Bytes of a kernel's data, and how many of them are backed by huge pages (measured).
struct page_use {
  std::size_t bytes = 0;
  std::size_t huge_bytes = 0;
};

// Kernel data in a 2 MiB-aligned private anonymous mapping advised MADV_HUGEPAGE before the
// first touch. docs/PITFALLS.md measures why: fork() then copies ~800 huge-page entries instead of
// 400k small ones and children read the parent's data with no fault (0.9x of threads instead
// of 0.2-0.6x), and threads take fewer TLB misses.
class huge_array_base {
 public:
  huge_array_base() = default;
  explicit huge_array_base(std::size_t bytes);
  ~huge_array_base();
  huge_array_base(huge_array_base&& other) noexcept;
  huge_array_base& operator=(huge_array_base&& other) noexcept;
  huge_array_base(const huge_array_base&) = delete;
  huge_array_base& operator=(const huge_array_base&) = delete;

  [[nodiscard]] void* data() const { return aligned_; }
  // The bytes asked for: what index i of a kernel's index space maps into, in proportion.
  [[nodiscard]] std::size_t bytes() const { return bytes_; }
  // Whether the kernel asked for huge pages and the system allows them (THP not "never").
  [[nodiscard]] bool huge_pages_advised() const { return advised_; }
  // How much of the array really sits in transparent huge pages now, read back from
  // /proc/self/smaps: advice is a request, and whether it was granted decides fork's cost and
  // the TLB misses of a stream.
  [[nodiscard]] page_use pages() const;
  // Whether children forked from now on map the array (MADV_DOFORK) or not (MADV_DONTFORK).
  // A fork allocates a page-table page per 2 MiB of private memory the parent holds, so a
  // process whose own children never read an array saves that by marking it. The advice covers
  // whole huge pages: one ending inside a huge page would split it. False if madvise failed.
  bool inherit_on_fork(bool children_map_it) const noexcept;

 private:
  void* mapping_ = nullptr;
  std::size_t bytes_ = 0;
  std::size_t mapped_bytes_ = 0;
  void* aligned_ = nullptr;
  bool advised_ = false;
};

template <class T>
class huge_array : public huge_array_base {
 public:
  huge_array() = default;
  explicit huge_array(std::size_t n) : huge_array_base(n * sizeof(T)), n_(n) {}
  [[nodiscard]] T* data() const { return static_cast<T*>(huge_array_base::data()); }
  [[nodiscard]] std::size_t size() const { return n_; }
  [[nodiscard]] std::span<T> span() const { return {data(), n_}; }
  T& operator[](std::size_t i) const { return data()[i]; }

 private:
  std::size_t n_ = 0;
};

// Runs fill over [0, n) in contiguous blocks, the same partitioning as the static schedules, so
// each page is first touched by the core that will read it (NUMA placement) and page faults are
// paid here, not in a timed run. Under a first_touch_on scope, by one thread per CPU given, each
// pinned there and filling the block of the measured run's worker on that CPU (the STREAM rule);
// otherwise by one unpinned thread per hardware thread.
void first_touch(std::size_t n, const std::function<void(index_range)>& fill);

// While it lives, first_touch on this thread uses these workers' CPUs (OS indexes, worker order):
// the runner opens one around a kernel's prepare with the placement of the run to be measured.
// An empty list keeps the unpinned default.
class first_touch_on {
 public:
  explicit first_touch_on(std::vector<int> cpus);
  ~first_touch_on();
  first_touch_on(const first_touch_on&) = delete;
  first_touch_on& operator=(const first_touch_on&) = delete;

 private:
  std::vector<int> previous_;
};

// a[i] = first + i + 1 over n int64, in a huge_array first-touched in parallel: the sum kernel's
// data (first: the start of the slice a process owns), and what hand-written baselines and the
// bandwidth probe read, so that all see one layout. It starts at 1, not 0, so that every element
// contributes to a sum: a run that skipped or doubled element 0 of a[i] = i would still verify.
huge_array<std::int64_t> iota_array(std::size_t n, std::size_t first = 0);
// The sum of iota_array(n), 1 + 2 + ... + n = n(n+1)/2, modulo 2^64 as an int64 sum wraps.
std::uint64_t iota_sum(std::uint64_t n);

}  // namespace parlab
