// The emulated GIL (runners/gil.hpp): one holder at a time, released during waits, handed over
// by forced switching at check points, bypassed by processes (each has its own copy). Timing
// claims use wide margins and run serially (the gil_timing suite).
#include "runners/gil.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "parlab/engine.hpp"
#include "runners/measure.hpp"
#include "tests/registered_backends.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using namespace std::chrono_literals;
using parlab::runner::emulated_gil;

// The body notes how many chunks are inside it at once.
struct overlap_probe {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  void enter() {
    const int now = ++inside;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { --inside; }
};

TEST(gil, one_holder_at_a_time) {
  emulated_gil gil(1ms);
  overlap_probe probe;
  parlab::reduce_task task;
  task.n = 20000;
  task.partial_size = sizeof(std::uint64_t);
  task.identity = [](void* p) { *static_cast<std::uint64_t*>(p) = 0; };
  // The lock may change hands only at a check point, so the probe, left before each one and
  // entered after, can see 2 inside only if two threads ran the body at once.
  auto body = [&](parlab::index_range r) {
    volatile std::uint64_t x = 0;
    for (std::size_t i = r.begin; i < r.end; ++i) {
      probe.enter();
      for (int k = 0; k < 2000; ++k) x = x + static_cast<std::uint64_t>(k);
      probe.leave();
      parlab::check_point();
    }
    return r.size();
  };
  task.evaluate = [&](parlab::index_range r, void* p) {
    *static_cast<std::uint64_t*>(p) = body(r);
  };
  task.accumulate = [&](parlab::index_range r, void* p) {
    *static_cast<std::uint64_t*>(p) += body(r);
  };
  task.combine = [](void* into, const void* from) {
    *static_cast<std::uint64_t*>(into) += *static_cast<const std::uint64_t*>(from);
  };
  const parlab::reduce_task held = gil.holding(task);
  std::uint64_t result = 0;
  parlab::find_backend("threads")->run(
      held, {.threads = 4, .sched = parlab::schedule::dynamic, .grain = 50, .start_together = true},
      &result);
  EXPECT_EQ(result, 20000U);
  EXPECT_EQ(probe.most.load(), 1);
  EXPECT_GT(gil.totals().switches, 0U) << "the threads never took turns: the test proved nothing";
}

std::string text_field(const parlab::runner::record& r, const std::string& name) {
  for (const parlab::record_field& f : r.fields)
    if (f.name == name && std::holds_alternative<std::string>(f.value))
      return std::get<std::string>(f.value);
  return "";
}

double real_field(const parlab::runner::record& r, const std::string& name) {
  for (const parlab::record_field& f : r.fields)
    if (f.name == name && std::holds_alternative<double>(f.value)) return std::get<double>(f.value);
  return -1;
}

parlab::runner::record measure_with_gil(std::string_view kernel, std::string_view backend,
                                        unsigned threads,
                                        std::initializer_list<std::pair<const char*, double>> v,
                                        double interval_s = 0.005) {
  const auto k = parlab::testing::prepared(kernel, v);
  parlab::runner::measure_options o;
  o.reps = 2;
  o.warmup = 1;
  o.cores = 2;
  o.run.threads = threads;
  o.gil_interval_s = interval_s;
  return parlab::runner::measure(*k, "", *parlab::find_backend(backend), o);
}

TEST(gil, processes_bypass_it_with_a_lock_each) {
  for (const parlab::backend* b : parlab::backends()) {
    if (!parlab::testing::computes(b->traits())) continue;  // tests/async_test.cpp
    const auto r = measure_with_gil("sum", b->name(), 2, {{"size", 1e5}, {"intensity", 4}});
    ASSERT_TRUE(r.verified) << r.detail;
    const bool processes = b->traits().worker == parlab::worker_kind::process;
    EXPECT_EQ(text_field(r, "gil"), processes ? "per-process" : "held") << b->name();
    b->release();
  }
}

std::int64_t int_field(const parlab::runner::record& r, const std::string& name) {
  for (const parlab::record_field& f : r.fields)
    if (f.name == name && std::holds_alternative<std::int64_t>(f.value))
      return std::get<std::int64_t>(f.value);
  return -1;
}

// The sum's hot loop reaches its check points only while holding the lock, on any number of
// threads (the lesson's claim, counted rather than timed).
TEST(gil, the_sums_hot_loop_never_computes_without_the_lock) {
  for (unsigned threads : {2U, 4U, 8U}) {
    const auto r = measure_with_gil("sum", "threads", threads, {{"size", 4e5}, {"intensity", 8}});
    ASSERT_TRUE(r.verified) << r.detail;
    EXPECT_EQ(int_field(r, "gil_unheld_checks"), 0) << threads << " threads";
    EXPECT_GT(real_field(r, "gil_busy_cpus"), 0) << threads << " threads";
  }
}

// The count can fail: chunks that install the lock's hooks but never take it (its hook on the
// chunk removed) reach the same check points without it, and the count rises.
TEST(gil, work_outside_the_lock_is_counted) {
  const auto k = parlab::testing::prepared("sum", {{"size", 4e5}, {"intensity", 8}});
  const parlab::reduce_task task = k->task();
  emulated_gil gil(5ms);
  parlab::reduce_task unlocked = task;
  unlocked.evaluate = [&](parlab::index_range r, void* p) {
    const parlab::scoped_hooks hooks(&gil);
    task.evaluate(r, p);
  };
  unlocked.accumulate = [&](parlab::index_range r, void* p) {
    const parlab::scoped_hooks hooks(&gil);
    task.accumulate(r, p);
  };
  std::vector<std::byte> result(task.partial_size);
  parlab::find_backend("threads")->run(unlocked, {.threads = 2}, result.data());
  EXPECT_GT(gil.totals().unheld_check_points, 0U);
  gil.reset_totals();
  EXPECT_EQ(gil.totals().unheld_check_points, 0U);
}

// 3 waits of 100 ms on 3 threads under the GIL overlap: the lock is released while waiting.
TEST(gil_timing, waits_release_the_lock) {
  const auto r = measure_with_gil("io", "threads", 3, {{"tasks", 3}, {"duration", 0.1}});
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_LT(r.median_s, 0.2) << "3 x 100 ms on 3 threads under the GIL did not overlap";
  EXPECT_EQ(text_field(r, "gil"), "held");
}

// Two threads of CPU-bound work under a 20 ms interval: forced switching makes the lock change
// hands about every interval (here at least every 100 ms), and two threads gain nothing.
TEST(gil_timing, forced_switching_hands_the_lock_over) {
  const auto r = measure_with_gil("sum", "threads", 2, {{"size", 4e6}, {"intensity", 64}}, 0.020);
  ASSERT_TRUE(r.verified) << r.detail;
  const double switches = real_field(r, "gil_switches");
  RecordProperty("switches", std::to_string(switches));
  RecordProperty("median_s", std::to_string(r.median_s));
  EXPECT_GE(switches, r.median_s / 0.1) << "in " << r.median_s << " s";
  EXPECT_GT(real_field(r, "gil_wait_s"), 0.3 * r.median_s);  // one thread waits most of the time
}

}  // namespace
