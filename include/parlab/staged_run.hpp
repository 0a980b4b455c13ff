#pragma once
// One task of roles on two backends at once: the first stage's roles on one backend and the
// second stage's on another, such as a thread pool for the waits and a process pool for the
// computation. Any backend that promises concurrency serves either stage. The kernel knows nothing
// of it: its roles see the split {first stage's workers, second stage's workers}, as they would
// from one backend, and share what they share through the kernel's own process-shared memory.
#include <memory>

#include "parlab/backend.hpp"

namespace parlab {

// A backend and how it runs its stage; options.threads is the stage's number of roles.
struct stage {
  const backend* runs_on = nullptr;
  run_options options;
};

class staged_run {
 public:
  // Throws usage_error unless `task` is a task of roles and both backends promise concurrency.
  // The task's own split is not asked: the stages' thread counts are the split.
  staged_run(const reduce_task& task, stage first, stage second);
  ~staged_run();
  staged_run(const staged_run&) = delete;
  staged_run& operator=(const staged_run&) = delete;

  // Both stages at once, the second on a thread of its own, the same one for every run; the
  // combined partial into result. A failure in either stage cancels the task, so that the other
  // stage's waits end, and the cause is thrown rather than a poisoned consequence of it.
  // workers_seen is the first stage's; second_stage_seen the second's.
  run_report run(void* result) const;
  // Both backends drop what they keep for this task (forkpool's processes).
  void release() const;
  [[nodiscard]] role_split split() const { return split_; }

 private:
  reduce_task task_;
  stage stages_[2];
  role_split split_;
  // Each stage's roles as a task of its own, made once: a version that stays the same across
  // runs lets forkpool keep its processes, as it does for a task on one backend.
  reduce_task parts_[2];
  // The second stage's thread, alive as long as this object: children a process backend forks
  // die with the thread that forked them (PR_SET_PDEATHSIG is per thread), and forkpool keeps
  // its children from one run to the next.
  class stage_thread;
  std::unique_ptr<stage_thread> second_thread_;
};

}  // namespace parlab
