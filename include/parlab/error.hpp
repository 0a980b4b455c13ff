#pragma once
#include <stdexcept>
#include <string>

namespace parlab {

// A run failed: the body threw, a worker crashed, a resource was refused. Exit code 1.
class run_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A wait woken because another worker of the run failed and poisoned what it waited on
// (parlab/sync.hpp): a consequence, not a cause. Backends report the cause before it.
class poisoned_error : public run_error {
 public:
  using run_error::run_error;
};

// The caller asked for something that cannot be (bad flag value, unknown name). Exit code 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace parlab
