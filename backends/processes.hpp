#pragma once
// What the process backends (fork, forkpool) share: the MAP_SHARED mapping parent and children
// both write, the reaping of every child, and how a child's failure is put into words.
#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "parlab/reduce_task.hpp"
#include "parlab/shared_memory.hpp"

namespace parlab::detail {

// A child's account of why it failed, left in shared memory beside its partial.
struct child_report {
  char message[447];
  // The failure was a poisoned wait, a consequence of another worker's: reported after causes.
  bool consequence;
};
inline constexpr int child_failed_status = 3;

// Every child forked is reaped, whatever happens: the destructor kills the ones still running
// first, so no error path leaves a process behind.
class children {
 public:
  children() = default;
  // Room for n children made before the first fork: the parent then writes no new heap page
  // between its forks and its wait, each of which would fault once per fork (copy-on-write) and,
  // in a multi-threaded parent, flush the other CPUs' TLBs (docs/PERFORMANCE.md, fork's price).
  explicit children(std::size_t n);
  ~children();
  children(const children&) = delete;
  children& operator=(const children&) = delete;

  void add(pid_t pid);
  [[nodiscard]] std::size_t size() const { return pids_.size(); }
  using time_point = std::chrono::steady_clock::time_point;
  // Blocks until every child has exited; their wait statuses in fork order. The first child to
  // fail calls on_failure (which wakes the others); a child still running a second after it is
  // killed, so that one crash cannot leave the rest waiting for it. Children still running at
  // `deadline` are killed too, and overdue() names them.
  std::vector<int> wait_all(const std::function<void()>& on_failure = {},
                            std::optional<time_point> deadline = {});
  // The children (in fork order) that wait_all killed at its deadline.
  [[nodiscard]] const std::vector<unsigned>& overdue() const { return overdue_; }
  // Whether wait_all killed child i, at the deadline or a second after another's failure: its
  // SIGKILL is a consequence, never the cause to report.
  [[nodiscard]] bool killed(unsigned i) const;
  // The index of a child that has exited without being waited for, or -1; its status is kept.
  int poll_exited(int& status);
  void kill_all();

 private:
  std::vector<pid_t> pids_;
  std::vector<int> pidfds_;  // one per child, readable once it exits: poll() waits for any
  std::vector<unsigned> overdue_;
  std::vector<unsigned> stopped_;  // killed a second after another child failed
  std::vector<int> statuses_;      // wait_all's, reserved with the rest
  std::vector<pollfd> polled_;     // wait_all's poll set, reused
};

// The moment a run that began now must end by (run_options::deadline_s), if it has one.
std::optional<children::time_point> run_deadline(double deadline_s);
// "fork worker 1 was still running at the run's deadline (0.5 s) and was killed"; `which` names
// the workers ("worker 1", "workers 1, 3").
std::string describe_overdue(std::string_view who, std::string_view which, double deadline_s);

// First thing in a child: take every signal (none blocked), and die with the parent (a parent
// killed by a timeout or a signal must not leave workers running). Returns false if the parent
// is already gone.
bool bind_child_to_parent(pid_t parent);

// "fork worker 2 was killed by signal SIGSEGV (Segmentation fault)" and the like.
std::string describe_child_failure(std::string_view who, unsigned w, int status,
                                   const child_report& report);
// Copies an exception's text into a child_report; async-signal-safe enough for a child.
void write_report(child_report& report, const char* text, bool consequence = false);
// A child's catch-all: reports the exception in flight and cancels the task, so that workers
// blocked on the kernel's primitives in other processes wake. Returns child_failed_status.
int report_failure(child_report& report, const reduce_task& task);
// Of the workers that failed(w), the one to report: the first whose failure was a cause, else
// the first; -1 when none failed.
int cause_of_failure(unsigned workers, const child_report* reports,
                     const std::function<bool(unsigned)>& failed);
// Throws the failure to report: poisoned_error when it was a consequence (a poisoned wait), so
// that a caller combining several runs (staged_run) reports a cause over it; run_error else.
[[noreturn]] void throw_failure(const std::string& message, bool consequence);
// A child's exit status says it failed: a signal, or an exit status other than 0.
bool failed_status(int status);

}  // namespace parlab::detail
