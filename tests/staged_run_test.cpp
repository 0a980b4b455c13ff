// A staged run (parlab/staged_run.hpp): one task of roles on two backends at once, any pair of
// backends that promise concurrency, threads and processes alike. Tested with the test kernel of
// roles that finishes only if both stages run at once, then with the mixed kernel through the
// runner, with and without the emulated GIL.
#include "parlab/staged_run.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "runners/measure.hpp"
#include "tests/children.hpp"
#include "tests/meeting_kernel.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using parlab::testing::meeting;
using parlab::testing::roles_seen;

// The backends a stage can run on: every worker at once, as many as asked.
std::vector<std::string> stage_backends() {
  return parlab::testing::backend_names([](const parlab::backend_traits& t) {
    return t.promises_concurrency && t.uses_thread_count;
  });
}

parlab::stage on(const std::string& name, unsigned workers) {
  return {parlab::find_backend(name), {.threads = workers}};
}

// Runs k `runs` times staged first -> second; the first error's text, "" when all verified.
std::string run_staged(const meeting& k, parlab::stage first, parlab::stage second,
                       unsigned runs = 1, double* seconds = nullptr,
                       unsigned* second_seen = nullptr) {
  const parlab::reduce_task task = k.task();
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  try {
    const parlab::staged_run staged(task, first, second);
    for (unsigned i = 0; i < runs && error.empty(); ++i) {
      roles_seen result;
      const parlab::run_report report = staged.run(&result);
      if (second_seen) *second_seen = report.second_stage_seen;
      const parlab::verdict v = k.verify(&result);
      if (!v.ok) error = "wrong: " + v.detail;
    }
    staged.release();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (seconds)
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return error;
}

TEST(staged_run, every_pair_of_stage_backends_runs_both_stages_at_once_again_and_again) {
  for (const std::string& a : stage_backends())
    for (const std::string& b : stage_backends()) {
      if (a == b) continue;
      meeting k(2);  // the first stage's 2 roles, then the second's: checked per role
      unsigned seen = 0;
      // Three runs: forkpool keeps its children from one run to the next.
      EXPECT_EQ(run_staged(k, on(a, 2), on(b, 3), 3, nullptr, &seen), "") << a << " -> " << b;
      EXPECT_EQ(seen, 3U) << a << " -> " << b;
    }
}

TEST(staged_run, refuses_what_it_cannot_run) {
  meeting k(1);
  const parlab::reduce_task roles = k.task();
  const std::string seq = parlab::testing::backend_names([](const parlab::backend_traits& t) {
                            return !t.uses_thread_count;
                          }).front();
  const std::string a = stage_backends().at(0), b = stage_backends().at(1);
  EXPECT_THROW(parlab::staged_run(roles, on(a, 1), on(a, 1)), parlab::usage_error);
  EXPECT_THROW(parlab::staged_run(roles, on(seq, 1), on(b, 1)), parlab::usage_error);
  EXPECT_THROW(parlab::staged_run(roles, on(a, 1), on(b, 0)), parlab::usage_error);
  EXPECT_THROW(parlab::staged_run(roles, on(a, 1), {nullptr, {.threads = 1}}), parlab::usage_error);
  auto sum = parlab::testing::prepared("sum", {{"size", 100}});
  EXPECT_THROW(parlab::staged_run(sum->task(), on(a, 1), on(b, 1)), parlab::usage_error);
}

TEST(staged_run, a_role_failing_in_either_stage_fails_the_run_quickly_with_its_message) {
  for (const std::string& a : stage_backends())
    for (const std::string& b : stage_backends()) {
      if (a == b) continue;
      for (unsigned culprit : {0u, 3u}) {  // a first-stage role, a second-stage role
        meeting k(2, meeting::fault::throws, culprit);
        double took = 0;
        const std::string error = run_staged(k, on(a, 2), on(b, 2), 1, &took);
        const std::string where = a + " -> " + b + " culprit " + std::to_string(culprit);
        EXPECT_NE(error.find("role " + std::to_string(culprit) + " failed on purpose"),
                  std::string::npos)
            << where << ": " << error;
        EXPECT_LT(took, 1.5) << where;  // the others' 2 s give-up never came into it
        EXPECT_TRUE(parlab::testing::no_child_left()) << where;
      }
    }
}

TEST(staged_run, a_crashing_process_stage_fails_the_run_quickly_and_leaves_no_child) {
  const auto processes = parlab::testing::backend_names([](const parlab::backend_traits& t) {
    return t.promises_concurrency && t.uses_thread_count &&
           t.worker == parlab::worker_kind::process;
  });
  for (const std::string& p : processes) {
    meeting k(2, meeting::fault::crashes, 3);
    double took = 0;
    const std::string error = run_staged(k, on("threads", 2), on(p, 2), 1, &took);
    EXPECT_NE(error.find("killed by signal SIGKILL"), std::string::npos) << p << ": " << error;
    EXPECT_LT(took, 1.5) << p;
    EXPECT_TRUE(parlab::testing::no_child_left()) << p;
  }
}

parlab::runner::record measured_mixed(const parlab::kernel& k, const std::string& first,
                                      unsigned workers, const std::string& second,
                                      unsigned second_workers, double gil_interval_s) {
  parlab::runner::measure_options m;
  m.reps = 2;
  m.warmup = 1;
  m.run.threads = workers;
  m.cores = 2;
  m.gil_interval_s = gil_interval_s;
  m.second_stage = parlab::find_backend(second);
  m.second_stage_workers = second_workers;
  return parlab::runner::measure(k, "test", *parlab::find_backend(first), m);
}

std::int64_t whole(const parlab::runner::record& r, const std::string& name) {
  for (const auto& f : r.fields)
    if (f.name == name && std::holds_alternative<std::int64_t>(f.value))
      return std::get<std::int64_t>(f.value);
  ADD_FAILURE() << "no whole field " << name;
  return -1;
}

TEST(staged_run, mixed_verifies_split_between_threads_and_processes_with_and_without_gil) {
  auto k = parlab::testing::prepared("mixed", {{"items", 24}, {"duration", 0.002}, {"cpu", 0.001}});
  ASSERT_NE(k, nullptr);
  const std::pair<std::string, std::string> splits[] = {
      {"threads", "forkpool"}, {"forkpool", "threads"}, {"threads", "fork"}, {"omp", "threads"}};
  for (const auto& [first, second] : splits)
    for (double gil : {0.0, 0.005}) {
      const auto r = measured_mixed(*k, first, 4, second, 2, gil);
      const std::string where = first + " -> " + second + (gil > 0 ? " --gil" : "");
      ASSERT_TRUE(r.verified) << where << ": " << r.detail;
      EXPECT_EQ(whole(r, "io_roles"), 4) << where;
      EXPECT_EQ(whole(r, "cpu_roles"), 2) << where;
      EXPECT_EQ(whole(r, "cpu_workers"), 2) << where;
    }
}

}  // namespace
