#include "runners/memory_use.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <limits>
#include <mutex>
#include <string>
#include <tuple>

#include "runners/cgroup.hpp"

namespace parlab::runner {
namespace {

// Virtual and resident size from /proc/self/statm, in bytes; {0, 0} if unreadable.
std::pair<std::size_t, std::size_t> statm() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return {0, 0};
  unsigned long long vm = 0, rss = 0;
  const int got = std::fscanf(f, "%llu %llu", &vm, &rss);
  std::fclose(f);
  if (got != 2) return {0, 0};
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

std::size_t memory_available() {
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::size_t best = none;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    std::size_t kb = 0;
    meminfo >> kb;
    if (key == "MemAvailable:") best = kb * 1024;
    meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  const auto max = cgroup_value("memory", "memory.max", "memory.limit_in_bytes");
  const auto current = cgroup_value("memory", "memory.current", "memory.usage_in_bytes");
  if (max) best = std::min(best, *max > current.value_or(0) ? *max - current.value_or(0) : 0);
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const std::size_t vm = statm().first;
    best = std::min<std::size_t>(best, as.rlim_cur > vm ? as.rlim_cur - vm : 0);
  }
  return best;
}

memory_watch::memory_watch() {
  // Free heap memory back to the system first, or a run reusing what an earlier one freed would
  // show no growth: the run then pays its own page faults, as a first run does.
  malloc_trim(0);
  reset_ = reset_high_water();
  std::tie(vm_peak_, rss_before_) = statm();
  sampler_ = std::jthread([this](const std::stop_token& stop) {
    std::mutex m;
    std::condition_variable_any wake;
    std::unique_lock lock(m);
    // Wakes at once when stopped, so stop() does not wait out an interval.
    while (!stop.stop_requested()) {
      wake.wait_for(lock, stop, interval, [] { return false; });
      if (!stop.stop_requested()) vm_peak_ = std::max(vm_peak_, statm().first);
    }
  });
}

memory_use memory_watch::stop() {
  sampler_.request_stop();
  sampler_.join();
  vm_peak_ = std::max(vm_peak_, statm().first);
  if (!reset_) return {0, vm_peak_, 0};
  const std::size_t peak = std::max(resident_high_water(), rss_before_);
  return {peak, vm_peak_, static_cast<std::int64_t>(peak) - static_cast<std::int64_t>(rss_before_)};
}

}  // namespace parlab::runner
