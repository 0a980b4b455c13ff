#include "bench/caches.hpp"

namespace parlab::bench {

kernel_cache::prepared_kernel kernel_cache::get(const kernel_entry& entry,
                                                const param_values& values) {
  std::unique_ptr<kernel> fresh = entry.make();
  std::string key = std::string(entry.name) + ' ' + values.describe(fresh->params());
  if (key != key_ || !kernel_) {
    for (const backend* b : backends()) b->release();  // nothing may outlive the old task
    task_ = reduce_task{};
    kernel_.reset();  // free the old data before the new is allocated
    key_.clear();
    fresh->prepare(values);
    kernel_ = std::move(fresh);
    task_ = kernel_->task();
    key_ = std::move(key);
  }
  return {*kernel_, task_};
}

std::span<const std::int64_t> iota_cache::get(std::size_t n) {
  if (data_.size() != n) {
    data_ = huge_array<std::int64_t>();  // free the old data before the new is allocated
    data_ = iota_array(n);
  }
  return data_.span();
}

}  // namespace parlab::bench
