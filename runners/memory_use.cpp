#include "runners/memory_use.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <fstream>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "runners/cgroup.hpp"

namespace parlab::runner {
namespace {

// Virtual and resident size from /proc/self/statm, in bytes; {0, 0} if unreadable. Read with
// open() into the stack, no allocation: the sampler calls it every millisecond while backends
// fork(), and a child forked while the sampler held an allocator lock would wait on it for ever
// (glibc's malloc is fork-safe, Debian 12's libasan is not: docs/PITFALLS.md).
std::pair<std::size_t, std::size_t> statm() {
  const int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {0, 0};
  char text[128];
  const ssize_t got = read(fd, text, sizeof text - 1);
  close(fd);
  if (got <= 0) return {0, 0};
  const char* const end = text + got;
  unsigned long long vm = 0, rss = 0;
  const auto first = std::from_chars(text, end, vm);
  if (first.ec != std::errc{} || first.ptr == end) return {0, 0};
  if (std::from_chars(first.ptr + 1, end, rss).ec != std::errc{}) return {0, 0};
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return {vm * page, rss * page};
}

// VmHWM from /proc/self/status, in bytes; 0 if unreadable.
std::size_t resident_high_water() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// "5" resets the resident high-water mark to the current resident size (proc(5)).
bool reset_high_water() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

std::size_t memory_available(std::size_t workers) {
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  // What a run needs beside its data (the runtime, the result buffers, the sampler's and the
  // watchdog's threads) and, under RLIMIT_AS, which counts address space rather than memory used,
  // each worker thread's stack and the 64 MiB of address space glibc reserves for each malloc
  // arena (one a thread, up to its default cap of 8 a CPU): without them the largest size named
  // would fail with an mmap error after all.
  constexpr std::size_t mib = std::size_t{1} << 20, reserve = 64 * mib;
  const auto less_reserve = [](std::size_t bytes, std::size_t r) {
    return bytes > r ? bytes - r : 0;
  };
  std::size_t best = none;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    std::size_t kb = 0;
    meminfo >> kb;
    if (key == "MemAvailable:") best = less_reserve(kb * 1024, reserve);
    meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  const auto max = cgroup_value("memory", "memory.max", "memory.limit_in_bytes");
  const auto current = cgroup_value("memory", "memory.current", "memory.usage_in_bytes");
  if (max) best = std::min(best, less_reserve(less_reserve(*max, current.value_or(0)), reserve));
  rlimit as{}, stack{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const std::size_t stack_bytes =
        getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY
            ? static_cast<std::size_t>(stack.rlim_cur)
            : 8 * mib;
    const std::size_t threads = workers + 4;  // and parlab's own: sampler, watchdog, progress
    const auto cpus = static_cast<std::size_t>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    const std::size_t arenas = std::min(threads, 8 * cpus);
    best = std::min(best, less_reserve(less_reserve(as.rlim_cur, statm().first),
                                       reserve + threads * stack_bytes + arenas * 64 * mib));
  }
  return best;
}

namespace {

// One thread for the process's life samples the virtual size while a watch is armed. A thread
// started per run cost the fork backend about a quarter of its price per worker (the run's forks
// copied an address space that had just grown a thread, its stack and its arena;
// docs/PERFORMANCE.md); a thread blocked between runs costs nothing. Never destroyed: its
// thread waits on it until the process exits. It allocates nothing while armed (statm above).
class vm_sampler {
 public:
  static vm_sampler& instance() {
    static const int forget_in_children =
        pthread_atfork(nullptr, nullptr, [] { current.store(nullptr, std::memory_order_relaxed); });
    (void)forget_in_children;
    vm_sampler* s = current.load(std::memory_order_acquire);
    if (s != nullptr) return *s;
    auto* fresh = new vm_sampler;  // its thread starts at its first arm(), so losing a race is free
    if (current.compare_exchange_strong(s, fresh, std::memory_order_acq_rel)) return *fresh;
    delete fresh;
    return *s;
  }
  // From now until disarm(), samples every first_interval, then twice as long after each sample
  // up to longest_interval.
  void arm(std::size_t vm_now) {
    const std::lock_guard lock(mutex_);
    if (!started_) std::thread([this] { sample(); }).detach();
    started_ = true;
    armed_ = true;
    ++generation_;
    peak_ = vm_now;
    wake_.notify_one();
  }
  // The largest virtual size sampled since arm().
  std::size_t disarm() {
    const std::lock_guard lock(mutex_);
    armed_ = false;
    ++generation_;
    wake_.notify_one();
    return peak_;
  }

 private:
  vm_sampler() = default;
  void sample() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return armed_; });
      const std::uint64_t run = generation_;
      const auto moved = [&] { return generation_ != run; };
      for (auto interval = memory_watch::first_interval; !wake_.wait_for(lock, interval, moved);
           interval = std::min(2 * interval, memory_watch::longest_interval))
        peak_ = std::max(peak_, statm().first);
    }
  }

  // A forked child has no sampling thread, and may have copied the mutex locked: one that
  // measures (a death test's child) makes its own; the parent's copy is left as it was.
  static inline std::atomic<vm_sampler*> current{nullptr};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool started_ = false, armed_ = false;
  std::uint64_t generation_ = 0;  // a new one at each arm and disarm: the sampler's run ended
  std::size_t peak_ = 0;
};

}  // namespace

memory_watch::memory_watch() {
  // Free heap memory back to the system first, or a run reusing what an earlier one freed would
  // show no growth: the run then pays its own page faults, as a first run does.
  malloc_trim(0);
  reset_ = reset_high_water();
  std::tie(vm_peak_, rss_before_) = statm();
  vm_sampler::instance().arm(vm_peak_);
}

memory_use memory_watch::stop() {
  vm_peak_ = std::max(vm_sampler::instance().disarm(), statm().first);
  if (!reset_) return {0, vm_peak_, 0};
  const std::size_t peak = std::max(resident_high_water(), rss_before_);
  return {peak, vm_peak_, static_cast<std::int64_t>(peak) - static_cast<std::int64_t>(rss_before_)};
}

}  // namespace parlab::runner
