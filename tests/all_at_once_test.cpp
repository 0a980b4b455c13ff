// Work whose workers wait on one another (run_options::all_at_once, kernel_traits::
// needs_concurrency): backends that promise concurrency run it, the others refuse it with a usage
// error instead of deadlocking, and the CLI leaves them out of `-b all` or refuses them by name.
// Backends are chosen by their traits.
#include <gtest/gtest.h>

#include <string>

#include "runners/measure.hpp"
#include "runners/options.hpp"
#include "tests/meeting_kernel.hpp"

namespace {

// Roles that each wait until all have arrived, in one process or many (tests/meeting_kernel.hpp).
using parlab::testing::meeting;

parlab::runner::record run_roles(const parlab::backend& b, unsigned roles) {
  meeting k;
  parlab::runner::measure_options o;
  o.reps = 2;
  o.cores = 2;
  o.run.threads = roles;
  return parlab::runner::measure(k, "", b, o);
}

TEST(all_at_once, backends_that_promise_concurrency_run_roles_that_wait_on_each_other) {
  for (const std::string& name : parlab::testing::backend_names(
           [](const parlab::backend_traits& t) { return t.promises_concurrency; })) {
    const auto r = run_roles(*parlab::find_backend(name), 4);  // above the 2 cores here
    EXPECT_TRUE(r.verified) << name << ": " << r.detail;
  }
}

TEST(all_at_once, the_others_refuse_instead_of_deadlocking) {
  for (const std::string& name : parlab::testing::backend_names(
           [](const parlab::backend_traits& t) { return !t.promises_concurrency; })) {
    const auto r = run_roles(*parlab::find_backend(name), 4);
    EXPECT_FALSE(r.verified) << name;
    EXPECT_NE(r.detail.find("does not promise that all its workers run at once"), std::string::npos)
        << name << ": " << r.detail;
  }
  // The engine's own guard, for a program that calls a backend directly.
  meeting k;
  const parlab::reduce_task task = k.task();
  parlab::testing::roles_seen result;
  EXPECT_THROW(parlab::reference_backend().run(task, {.all_at_once = true}, &result),
               parlab::usage_error);
}

TEST(all_at_once, the_cli_leaves_such_backends_out_of_all_and_refuses_them_by_name) {
  meeting k;
  parlab::runner::sweep_options all;
  all.backends = parlab::testing::backend_names();
  parlab::runner::keep_backends_that_can_run(all, k, true);
  for (const std::string& name : all.backends)
    EXPECT_TRUE(parlab::find_backend(name)->traits().promises_concurrency) << name;
  EXPECT_FALSE(all.backends.empty());
  EXPECT_FALSE(all.reference_baseline);

  parlab::runner::sweep_options named;
  named.backends = parlab::testing::backend_names(
      [](const parlab::backend_traits& t) { return !t.promises_concurrency; });
  ASSERT_FALSE(named.backends.empty());
  EXPECT_THROW(parlab::runner::keep_backends_that_can_run(named, k, false), parlab::usage_error);
}

}  // namespace
