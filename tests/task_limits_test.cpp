#include "runners/task_limits.hpp"

#include <gtest/gtest.h>

namespace parlab::runner {
namespace {

TEST(task_limits, no_limit_leaves_no_limit) {
  EXPECT_EQ(tasks_left(task_limits{}), task_limits::none);
}

TEST(task_limits, the_tightest_limit_decides) {
  task_limits l;
  l.pids_max = 1000;
  l.pids_current = 900;
  l.nproc_limit = 4096;
  l.user_tasks = 4000;
  l.threads_max = 200000;
  l.tasks_running = 1000;
  EXPECT_EQ(tasks_left(l), 96u);
  l.user_tasks = 10;
  EXPECT_EQ(tasks_left(l), 100u);
}

TEST(task_limits, a_limit_already_passed_leaves_none) {
  task_limits l;
  l.pids_max = 10;
  l.pids_current = 12;  // possible: the limit was lowered under running tasks
  EXPECT_EQ(tasks_left(l), 0u);
}

TEST(task_limits, this_process_reads_a_count_it_runs_under) {
  const task_limits l = read_task_limits();
  EXPECT_GT(l.tasks_running, 0u);  // this process's own task at least
  EXPECT_GT(tasks_left(l), 0u);    // it runs, so it had room
}

}  // namespace
}  // namespace parlab::runner
