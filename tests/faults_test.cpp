// The fault kernel (tests/fault_kernel.cpp) through every registered backend and the runner's
// measurement: a throw fails the run with its message; a crashing or hung child fails it,
// named, within the promised time, every child reaped; a crash or a hang inside the process is
// the process's (docs/RUNNER.md, "Faults"). tests/faults_test.sh drives the CLI the same way.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "parlab/registry.hpp"
#include "runners/measure.hpp"
#include "runners/watchdog.hpp"
#include "tests/children.hpp"
#include "tests/registered_backends.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using parlab::runner::measure;
using parlab::runner::measure_options;
using parlab::runner::record;
using clock_type = std::chrono::steady_clock;
using parlab::testing::children_of_this_process;

enum fault_choice { none = 0, throws = 1, crash = 2, hang = 3 };  // the kernel's --fault words

std::unique_ptr<parlab::kernel> fault_kernel(fault_choice what, double at, double items = 1000,
                                             bool others_hang = false) {
  return parlab::testing::prepared(
      "fault", {{"fault", what}, {"at", at}, {"items", items}, {"others", others_hang ? 1 : 0}});
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

record measured(const parlab::kernel& k, const parlab::backend& b, unsigned threads,
                double deadline_s = 0) {
  measure_options m;
  m.reps = 1;
  m.warmup = 1;
  m.run.threads = threads;
  m.run.deadline_s = deadline_s;
  return measure(k, "", b, m);
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

bool in_process(const parlab::backend_traits& t) { return !parlab::testing::runs_processes(t); }
bool stops(const parlab::backend_traits& t) { return t.stops_at_deadline; }
bool every(const parlab::backend_traits& /*t*/) { return true; }

TEST(faults, the_kernel_verifies_when_it_does_not_fault) {
  for (const std::string& name : parlab::testing::backend_names(every, true)) {
    const auto k = fault_kernel(throws, 5000);  // beyond the items: no fault
    const record r = measured(*k, *parlab::find_backend(name), 2);
    EXPECT_TRUE(r.verified) << name << ": " << r.detail;
  }
}

TEST(faults, a_throw_fails_the_run_with_its_message_on_every_backend) {
  for (const std::string& name : parlab::testing::backend_names(every, true))
    for (const unsigned threads : {1U, 3U}) {
      const auto k = fault_kernel(throws, 700);
      const record r = measured(*k, *parlab::find_backend(name), threads);
      EXPECT_FALSE(r.verified) << name << " t=" << threads;
      EXPECT_NE(r.detail.find("the fault kernel threw at index 700"), std::string::npos)
          << name << " t=" << threads << ": " << r.detail;
      EXPECT_EQ(joined(children_of_this_process()), "") << name;
    }
}

// Index 999 of 1000 is the last worker's under a static schedule: worker 3 of 4.
TEST(faults, a_crashing_child_fails_the_run_within_a_second_naming_signal_and_worker) {
  for (const std::string& name : parlab::testing::backend_names(parlab::testing::runs_processes)) {
    const auto k = fault_kernel(crash, 999);
    const auto start = clock_type::now();
    const record r = measured(*k, *parlab::find_backend(name), 4);
    const double took = seconds_since(start);
    EXPECT_FALSE(r.verified) << name;
    EXPECT_NE(r.detail.find("SIGSEGV"), std::string::npos) << name << ": " << r.detail;
    EXPECT_NE(r.detail.find("worker 3"), std::string::npos) << name << ": " << r.detail;
    EXPECT_LT(took, 2.0) << name << ": the promise is a second";
    EXPECT_EQ(joined(children_of_this_process()), "") << name << ": a child was left";
  }
}

// One worker crashes on its item while the three others wait on theirs (4 items, one per worker
// under the static schedule): they are killed a second after the crash (backends/processes.hpp)
// and reaped, and the crash is reported, not the SIGKILLs that followed it, whichever worker it
// was.
TEST(faults, a_crashing_child_while_the_others_hang_fails_the_run_and_every_child_is_reaped) {
  for (const std::string& name : parlab::testing::backend_names(parlab::testing::runs_processes))
    for (const unsigned crasher : {0U, 3U}) {
      const auto k = fault_kernel(crash, crasher, 4, true);
      const auto start = clock_type::now();
      const record r = measured(*k, *parlab::find_backend(name), 4);
      const double took = seconds_since(start);
      const std::string where = name + " crasher " + std::to_string(crasher);
      EXPECT_FALSE(r.verified) << where;
      EXPECT_NE(
          r.detail.find("worker " + std::to_string(crasher) + " was killed by signal SIGSEGV"),
          std::string::npos)
          << where << ": " << r.detail;
      EXPECT_LT(took, 3.0) << where << ": the others are killed a second after the crash";
      EXPECT_EQ(joined(children_of_this_process()), "") << where << ": a child was left";
    }
}

TEST(faults, a_hung_child_is_killed_at_the_run_deadline) {
  const auto backends = parlab::testing::backend_names(stops);
  ASSERT_FALSE(backends.empty()) << "no backend declares stops_at_deadline";
  for (const std::string& name : backends) {
    const auto k = fault_kernel(hang, 999);
    const auto start = clock_type::now();
    const record r = measured(*k, *parlab::find_backend(name), 2, 0.3);
    const double took = seconds_since(start);
    EXPECT_FALSE(r.verified) << name;
    EXPECT_NE(r.detail.find("still running at the run's deadline (0.3 s): killed"),
              std::string::npos)
        << name << ": " << r.detail;
    EXPECT_GE(took, 0.3) << name << " stopped before the deadline";
    EXPECT_LT(took, 2.0) << name << " let the run go on well past its deadline";
    EXPECT_EQ(joined(children_of_this_process()), "") << name << ": a child was left";
  }
}

// A crash in a worker thread is a crash of the process: nothing survives to report it, so the
// CLI ends by that signal (tests/faults_test.sh checks its CSV keeps the finished rows).
TEST(faults, a_crash_inside_the_process_ends_the_process) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const std::string& name : parlab::testing::backend_names(in_process, true)) {
    EXPECT_EXIT(
        {
          const auto k = fault_kernel(crash, 999);
          (void)measured(*k, *parlab::find_backend(name), 2);
        },
        testing::KilledBySignal(SIGSEGV), "")
        << name;
  }
}

// A run inside the process cannot be stopped: at --run-timeout the guard gives up on the whole
// process (the CLI writes what finished first), at the deadline itself.
TEST(faults, a_hung_run_inside_the_process_is_abandoned_at_its_deadline) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const std::string& name : parlab::testing::backend_names(in_process, true)) {
    EXPECT_EXIT(
        {
          const auto k = fault_kernel(hang, 999);
          const auto start = clock_type::now();
          parlab::runner::watchdog guard(
              [&] { std::fprintf(stderr, "abandoned after %.2f s\n", seconds_since(start)); });
          measure_options m;
          m.reps = 1;
          m.run.threads = 2;
          m.run.deadline_s = 0.2;
          m.run_guard = &guard;
          (void)measure(*k, "", *parlab::find_backend(name), m);
        },
        testing::ExitedWithCode(1), "abandoned after 0\\.[2-9]")
        << name;
  }
}

TEST(faults, a_re_armed_watchdog_expires_only_when_a_deadline_passes) {
  {
    parlab::runner::watchdog guard([] { std::abort(); });
    for (int i = 0; i < 1000; ++i) {
      guard.arm(0.05);
      guard.disarm();
    }
    guard.arm(0.05);
    guard.arm(10);  // moved on before it passed
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }  // destroyed armed: disarmed, never expired
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        parlab::runner::watchdog guard([] { std::fprintf(stderr, "expired\n"); });
        guard.arm(0.05);
        std::this_thread::sleep_for(std::chrono::seconds(10));
      },
      testing::ExitedWithCode(1), "expired");
}

}  // namespace
