#pragma once
// Memory that forked workers and their parent all see and write: a MAP_SHARED anonymous
// mapping. Made before the fork, it sits at the same address in every process, so pointers into
// it stay valid across them. The process backends keep their cursors and partials in one; a
// kernel keeps in one whatever its workers must share across processes (parlab/sync.hpp).
#include <cstddef>

namespace parlab {

class shared_memory {
 public:
  explicit shared_memory(std::size_t bytes);  // zero-filled; throws run_error if mmap fails
  ~shared_memory();
  shared_memory(const shared_memory&) = delete;
  shared_memory& operator=(const shared_memory&) = delete;
  [[nodiscard]] std::byte* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return bytes_; }

 private:
  std::size_t bytes_;
  std::byte* data_ = nullptr;
};

}  // namespace parlab
