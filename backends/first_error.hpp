#pragma once
#include <exception>
#include <mutex>

#include "parlab/error.hpp"
#include "parlab/reduce_task.hpp"

namespace parlab::detail {

// Keeps the first exception thrown by any worker, to rethrow on the caller's thread: exceptions
// cannot leave a std::thread or an OpenMP region. The first failure cancels the task, so that
// workers blocked on the kernel's own primitives wake (with poisoned_error, a consequence,
// never kept over a cause).
class first_error {
 public:
  explicit first_error(const reduce_task& task) : task_(task) {}
  void capture(std::exception_ptr e) {
    bool first = false;
    {
      std::lock_guard lock(mutex_);
      first = !error_;
      if (first || (poisoned(error_) && !poisoned(e))) error_ = std::move(e);
    }
    if (first && task_.cancel) task_.cancel();
  }
  void rethrow_if_any() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static bool poisoned(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const poisoned_error&) {
      return true;
    } catch (...) {
      return false;
    }
  }

  const reduce_task& task_;
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace parlab::detail
