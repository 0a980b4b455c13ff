#include "parlab/shared_memory.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "parlab/error.hpp"

namespace parlab {

shared_memory::shared_memory(std::size_t bytes) : bytes_(bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    throw run_error("mmap of " + std::to_string(bytes) +
                    " bytes of shared memory failed: " + std::strerror(errno));
  data_ = static_cast<std::byte*>(p);
}

shared_memory::~shared_memory() { munmap(data_, bytes_); }

}  // namespace parlab
