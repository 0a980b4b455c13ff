#include "bench/caches.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "parlab/error.hpp"

namespace parlab::bench {

kernel_cache::prepared_kernel kernel_cache::get(const kernel_entry& entry,
                                                const param_values& values) {
  std::unique_ptr<kernel> fresh = entry.make();
  std::string key = std::string(entry.name) + ' ' + values.describe(fresh->params());
  if (key != key_ || !kernel_) {
    for (const backend* b : backends()) b->release();  // nothing may outlive the old task
    task_ = reduce_task{};
    if (kernel_) freed_ += static_cast<std::size_t>(kernel_->work().bytes);
    kernel_.reset();  // free the old data before the new is allocated
    key_.clear();
    fresh->prepare(values);
    kernel_ = std::move(fresh);
    task_ = kernel_->task();
    key_ = std::move(key);
  }
  return {*kernel_, task_};
}

namespace {

void advise(const huge_array_base& a, bool children_map_it, const char* whose) {
  if (!a.inherit_on_fork(children_map_it))
    throw run_error(std::string("madvise on ") + whose + ": " + std::strerror(errno));
}

std::vector<const huge_array_base*> kernel_arrays(const kernel_cache& kernels) {
  return kernels.held() ? kernels.held()->data_arrays() : std::vector<const huge_array_base*>{};
}

}  // namespace

std::span<const std::int64_t> iota_cache::get(std::size_t n) {
  if (data_.size() != n) {
    release();  // free the old data before the new is allocated
    data_ = iota_array(n);
    advise(data_, false, "the baselines' array");
  }
  return data_.span();
}

void iota_cache::release() {
  freed_ += data_.size() * sizeof(std::int64_t);
  data_ = huge_array<std::int64_t>();
}

baselines_fork_scope::baselines_fork_scope(const prepared& store) : store_(store) {
  try {
    advise(store.data.array(), true, "the baselines' array");
    for (const huge_array_base* a : kernel_arrays(store.kernels)) advise(*a, false, "kernel data");
  } catch (...) {
    restore();
    throw;
  }
}

void baselines_fork_scope::restore() const noexcept {
  store_.data.array().inherit_on_fork(false);
  for (const huge_array_base* a : kernel_arrays(store_.kernels)) a->inherit_on_fork(true);
}

void prepared::settle_if_freed(const std::string& next) {
  const std::size_t freed = data.take_freed() + kernels.take_freed();
  if (freed < settle_after_bytes) return;
  const settle_report r = wait_until_settled(cores);
  settled_before_ = next;
  settled_ = r;
  freed_gb_ = static_cast<double>(freed) / 1e9;
  std::fprintf(stderr,
               "bench: %.1f GB freed before %s; waited %.1f s for the machine to settle (%u "
               "stalls of all CPUs, %.0f ms in all)%s\n",
               freed_gb_, next.c_str(), r.waited_s, r.stalls, r.stalled_ms,
               r.settled ? "" : ", still stalling: figures after this are noisy");
}

void prepared::add_settle_counters(const std::string& name, benchmark::State& state) const {
  if (name != settled_before_) return;
  state.counters["settle_freed_gb"] = freed_gb_;
  state.counters["settle_s"] = settled_.waited_s;
  state.counters["settle_stalls"] = settled_.stalls;
  state.counters["settle_stalled_ms"] = settled_.stalled_ms;
  state.counters["settled"] = settled_.settled ? 1 : 0;
}

}  // namespace parlab::bench
