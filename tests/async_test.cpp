// The async backend: a kernel's waits as coroutines on one event loop. io verifies at every size
// on 1 and 2 loop threads, all its waits in flight at once (ideal and efficiency say so); a
// kernel written against the public headers alone runs there too, and on every other backend;
// computation is refused.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "parlab/error.hpp"
#include "parlab/registry.hpp"
#include "parlab/waits_kernel.hpp"
#include "runners/measure.hpp"
#include "tests/registered_backends.hpp"

namespace {

using parlab::runner::record;

record measure_io(unsigned threads, double tasks, double duration, double jitter = 0) {
  auto k = parlab::find_kernel("io")->make();
  parlab::param_values v;
  v.set("tasks", tasks);
  v.set("duration", duration);
  v.set("jitter", jitter);
  v.fill_defaults(k->params());
  k->prepare(v);
  parlab::runner::measure_options o;
  o.reps = 2;
  o.cores = 2;
  o.run.threads = threads;
  return parlab::runner::measure(*k, "", *parlab::find_backend("async"), o);
}

TEST(async, verifies_io_at_every_size_with_and_without_jitter_on_one_and_two_threads) {
  for (unsigned threads : {1U, 2U})
    for (double tasks : {0.0, 1.0, 7.0, 10000.0})
      for (double jitter : {0.0, 0.5}) {
        const record r = measure_io(threads, tasks, 0.005, jitter);
        EXPECT_TRUE(r.verified) << tasks << " tasks, jitter " << jitter << ", " << threads
                                << " threads: " << r.detail;
        EXPECT_EQ(r.in_flight, std::max<std::size_t>(1, static_cast<std::size_t>(tasks)));
        EXPECT_LE(r.peak_waits, static_cast<std::size_t>(tasks));
        if (tasks > 0) {
          EXPECT_GE(r.peak_waits, 1U) << "the loop counts the waits it holds";
        }
      }
}

// 10,000 waits of 100 ms on one loop thread: the ideal is one wait, and the run is near it (a
// wide margin: 0.5 s, five waits' worth), not ten thousand waits in a row.
TEST(async_timing, ten_thousand_waits_on_one_thread_take_about_one_wait) {
  const record r = measure_io(1, 10000, 0.1);
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_DOUBLE_EQ(r.ideal_s, 0.1);
  EXPECT_LT(r.median_s, 0.5);
  EXPECT_GT(r.ideal_s / r.median_s, 0.2) << "efficiency against the ideal of every wait at once";
  EXPECT_EQ(r.workers_seen, 1U);
  EXPECT_EQ(r.peak_waits, 10000U) << "every wait in flight at once";
  EXPECT_GT(r.peak_rss_bytes, 0U);
  EXPECT_GT(r.bytes_per_task, 0.0) << "ten thousand suspended items take memory";
}

// Efficiency against seq is speedup over what was in flight: every wait, on an event loop.
TEST(async, efficiency_is_over_the_waits_in_flight_not_the_threads) {
  record r = measure_io(1, 100, 0.01);
  ASSERT_TRUE(r.verified) << r.detail;
  parlab::runner::relate_to_baseline(r, 100 * 0.01);  // seq: the waits in a row
  EXPECT_GT(r.speedup, 20.0);
  EXPECT_LE(r.efficiency, 1.05);
  EXPECT_GT(r.efficiency, 0.2);
}

// A kernel of the test's own, on the public headers alone: each item waits twice, once through a
// coroutine of its own it awaits, and returns its index. It runs on every backend; on async its
// 50 items of 2 x 20 ms overlap on one thread.
struct own_sum {
  std::uint64_t sum = 0;
  std::uint64_t waits = 0;
};

class two_waits final : public parlab::waits_kernel<own_sum> {
 public:
  std::string_view name() const override { return "two_waits"; }
  std::string_view description() const override { return "test kernel"; }
  std::vector<parlab::param_spec> params() const override { return {}; }
  void prepare(const parlab::param_values&) override {}
  parlab::waiting<own_sum> item(std::size_t i, timespec start) const override {
    const timespec first = parlab::after(start, 20'000'000);
    co_await parlab::until{first};
    const std::uint64_t inner = co_await second(first);
    co_return own_sum{i + 1, 1 + inner};
  }
  own_sum combine(const own_sum& a, const own_sum& b) const override {
    return {a.sum + b.sum, a.waits + b.waits};
  }
  parlab::verdict check(const own_sum& r) const override {
    return {r.sum == items * (items + 1) / 2 && r.waits == 2 * items,
            std::to_string(r.sum) + " " + std::to_string(r.waits)};
  }
  parlab::work_amount work() const override { return {0, 0, items}; }

 protected:
  std::size_t task_size() const override { return items; }

 private:
  static parlab::waiting<std::uint64_t> second(timespec after) {
    co_await parlab::until{parlab::after(after, 20'000'000)};
    co_return 1;
  }
  static constexpr std::size_t items = 50;
};

TEST(async, a_kernel_on_the_public_headers_runs_on_every_backend) {
  two_waits k;
  k.prepare({});
  parlab::runner::measure_options o;
  o.reps = 1;
  o.cores = 2;
  o.run.threads = 2;
  for (const std::string& name :
       parlab::testing::backend_names([](const parlab::backend_traits&) { return true; }, true)) {
    const record r = parlab::runner::measure(k, "", *parlab::find_backend(name), o);
    EXPECT_TRUE(r.verified) << name << ": " << r.detail;
    if (parlab::find_backend(name)->traits().waits_per_worker == 0) {
      EXPECT_LT(r.median_s, 0.04 * 5) << "50 items of 2 waits overlapped";
    }
  }
}

TEST(async, computation_is_refused_with_a_usage_error) {
  auto sum = parlab::find_kernel("sum")->make();
  parlab::param_values v;
  v.fill_defaults(sum->params());
  v.set("size", 1000);
  sum->prepare(v);
  std::uint64_t result[4] = {};
  EXPECT_THROW(parlab::find_backend("async")->run(sum->task(), {.threads = 1}, result),
               parlab::usage_error);
}

}  // namespace
