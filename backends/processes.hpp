#pragma once
// What the process backends (fork, forkpool) share: the MAP_SHARED mapping parent and children
// both write, the reaping of every child, and how a child's failure is put into words.
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "parlab/shared_memory.hpp"

namespace parlab::detail {

// A child's account of why it failed, left in shared memory beside its partial.
struct child_report {
  char message[448];
};
inline constexpr int child_failed_status = 3;

// Every child forked is reaped, whatever happens: the destructor kills the ones still running
// first, so no error path leaves a process behind.
class children {
 public:
  children() = default;
  ~children();
  children(const children&) = delete;
  children& operator=(const children&) = delete;

  void add(pid_t pid);
  [[nodiscard]] std::size_t size() const { return pids_.size(); }
  // Blocks until every child has exited; their wait statuses in fork order.
  std::vector<int> wait_all();
  // The index of a child that has exited without being waited for, or -1; its status is kept.
  int poll_exited(int& status);
  void kill_all();

 private:
  std::vector<pid_t> pids_;
};

// First thing in a child: die with the parent (a parent killed by a timeout or a signal must
// not leave workers running). Returns false if the parent is already gone.
bool bind_child_to_parent(pid_t parent);

// "fork worker 2 was killed by signal SIGSEGV (Segmentation fault)" and the like.
std::string describe_child_failure(std::string_view who, unsigned w, int status,
                                   const child_report& report);
// Copies an exception's text into a child_report; async-signal-safe enough for a child.
void write_report(child_report& report, const char* text);

}  // namespace parlab::detail
