// Work of concurrent roles (role_kernel): one role per worker, every role at once, on every
// backend that promises concurrency, threads and processes alike; a failing or crashing role
// wakes the others through the task's cancel hook and the run fails quickly with its message.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/children.hpp"
#include "tests/meeting_kernel.hpp"

namespace {

using parlab::testing::meeting;
using parlab::testing::no_child_left;
using parlab::testing::promising;
using parlab::testing::roles_seen;

// Runs k once on b with `workers`; returns the error's text, "" when it verified.
std::string run_once(const meeting& k, const parlab::backend& b, unsigned workers,
                     double* seconds = nullptr) {
  const parlab::reduce_task task = k.task();
  roles_seen result;
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  try {
    b.run(task, {.threads = workers, .all_at_once = true}, &result);
    const parlab::verdict v = k.verify(&result);
    if (!v.ok) error = "wrong: " + v.detail;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (seconds)
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  b.release();
  return error;
}

TEST(roles, every_role_runs_once_and_all_at_once_on_each_backend_that_promises_it) {
  for (const std::string& name : promising())
    for (unsigned workers : {2u, 5u}) {  // 5: above the cores here
      meeting k;
      EXPECT_EQ(run_once(k, *parlab::find_backend(name), workers), "") << name << " " << workers;
      EXPECT_EQ(run_once(k, *parlab::find_backend(name), workers), "") << name << " again";
    }
}

TEST(roles, the_split_tells_each_role_its_stage) {
  for (const std::string& name : promising()) {
    meeting k(1);
    EXPECT_EQ(run_once(k, *parlab::find_backend(name), 4), "") << name;
  }
}

TEST(roles, a_backend_that_does_not_promise_concurrency_refuses) {
  for (const std::string& name : parlab::testing::backend_names(
           [](const parlab::backend_traits& t) { return !t.promises_concurrency; })) {
    meeting k;
    const parlab::reduce_task task = k.task();
    roles_seen result;
    EXPECT_THROW(
        parlab::find_backend(name)->run(task, {.threads = 2, .all_at_once = true}, &result),
        parlab::usage_error)
        << name;
  }
}

TEST(roles, a_role_that_throws_wakes_the_others_and_the_run_fails_with_its_message) {
  for (const std::string& name : promising()) {
    meeting k(0, meeting::fault::throws, 2);
    double took = 0;
    const std::string error = run_once(k, *parlab::find_backend(name), 4, &took);
    EXPECT_NE(error.find("role 2 failed on purpose"), std::string::npos) << name << ": " << error;
    EXPECT_LT(took, 1.5) << name;  // the others' 2 s give-up never came into it
    EXPECT_TRUE(no_child_left()) << name;
  }
}

TEST(roles, a_crashing_process_role_fails_the_run_quickly_and_leaves_no_child) {
  for (const std::string& name :
       parlab::testing::backend_names([](const parlab::backend_traits& t) {
         return t.promises_concurrency && t.worker == parlab::worker_kind::process;
       })) {
    meeting k(0, meeting::fault::crashes, 1);
    double took = 0;
    const std::string error = run_once(k, *parlab::find_backend(name), 4, &took);
    EXPECT_NE(error.find("worker 1 was killed by signal SIGKILL"), std::string::npos)
        << name << ": " << error;
    EXPECT_LT(took, 1.5) << name;
    EXPECT_TRUE(no_child_left()) << name;
  }
}

}  // namespace
