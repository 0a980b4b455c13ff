#pragma once
#include <exception>
#include <mutex>

namespace parlab::detail {

// Keeps the first exception thrown by any worker, to rethrow on the caller's thread: exceptions
// cannot leave a std::thread or an OpenMP region.
class first_error {
 public:
  void capture(std::exception_ptr e) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = std::move(e);
  }
  void rethrow_if_any() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace parlab::detail
