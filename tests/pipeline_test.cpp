// The pipeline kernel (lesson 8): producers, a semaphore, a bounded queue, consumers, an event and
// a barrier, on threads and across processes; every item consumed exactly once, the semaphore's
// cap held, and a failing role failing the run quickly.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>
#include <variant>

#include "kernels/cpu_stage.hpp"
#include "kernels/mixing.hpp"
#include "parlab/engine.hpp"
#include "parlab/error.hpp"
#include "parlab/wait.hpp"
#include "runners/measure.hpp"
#include "tests/children.hpp"
#include "tests/registered_backends.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using parlab::testing::no_child_left;

using pair = std::pair<const char*, double>;

using parlab::testing::promising;

std::unique_ptr<parlab::kernel> pipeline(std::initializer_list<pair> values) {
  return parlab::testing::prepared("pipeline", values);
}

parlab::runner::record measured(const parlab::kernel& k, const std::string& backend,
                                unsigned workers, double gil_interval_s = 0) {
  parlab::runner::measure_options m;
  m.reps = 1;
  m.warmup = 1;
  m.run.threads = workers;
  m.cores = 2;
  m.gil_interval_s = gil_interval_s;
  return parlab::runner::measure(k, "test", *parlab::find_backend(backend), m);
}

std::int64_t whole(const parlab::runner::record& r, const std::string& name) {
  for (const auto& f : r.fields)
    if (f.name == name) return std::get<std::int64_t>(f.value);
  ADD_FAILURE() << "no field " << name;
  return -1;
}
double real(const parlab::runner::record& r, const std::string& name) {
  for (const auto& f : r.fields)
    if (f.name == name) return std::get<double>(f.value);
  ADD_FAILURE() << "no field " << name;
  return -1;
}

// The producers a default run uses depend on its workers, so its params say "auto", never a 0
// that contradicts the producers=2 its record then shows.
TEST(pipeline, default_producers_are_described_as_auto_and_a_given_count_as_itself) {
  auto k = parlab::find_kernel("pipeline")->make();
  parlab::param_values v;
  v.fill_defaults(k->params());
  EXPECT_NE(v.describe(k->params()).find("producers=auto"), std::string::npos)
      << v.describe(k->params());
  v.set("producers", 3);
  EXPECT_NE(v.describe(k->params()).find("producers=3"), std::string::npos)
      << v.describe(k->params());
}

TEST(pipeline, every_item_is_consumed_once_at_every_split_capacity_and_io_cap) {
  struct shape {
    unsigned workers, producers, capacity, io_slots;
  };
  const shape shapes[] = {{2, 0, 1, 1}, {4, 0, 4, 4}, {5, 1, 1, 3}, {5, 3, 2, 1}, {5, 3, 8, 3}};
  for (const std::string& name : promising())
    for (const shape& s : shapes) {
      auto k = pipeline({{"items", 24},
                         {"duration", 0.001},
                         {"cpu", 0.0002},
                         {"producers", s.producers},
                         {"capacity", s.capacity},
                         {"io-slots", s.io_slots}});
      const auto r = measured(*k, name, s.workers);
      const std::string where =
          name + " t=" + std::to_string(s.workers) + " producers=" + std::to_string(s.producers) +
          " capacity=" + std::to_string(s.capacity) + " io-slots=" + std::to_string(s.io_slots);
      ASSERT_TRUE(r.verified) << where << ": " << r.detail;
      const std::int64_t producers = s.producers > 0 ? s.producers : s.workers / 2;
      const std::int64_t io_slots = s.io_slots;
      EXPECT_EQ(whole(r, "producers"), producers) << where;
      EXPECT_EQ(whole(r, "consumers"), s.workers - producers) << where;
      EXPECT_GE(whole(r, "max_in_io"), 1) << where;
      EXPECT_LE(whole(r, "max_in_io"), std::min(producers, io_slots)) << where;
      EXPECT_LE(whole(r, "max_queued"), s.capacity) << where;
      EXPECT_GT(real(r, "producer_busy"), 0) << where;
      EXPECT_LE(real(r, "producer_busy"), 1.01) << where;
      EXPECT_GT(real(r, "consumer_busy"), 0) << where;
    }
}

TEST(pipeline, three_producers_fill_three_io_slots_and_a_queue_of_one_holds_one) {
  // 20 ms waits: three producers all reach their wait within that, however they are scheduled.
  auto k = pipeline({{"items", 12},
                     {"duration", 0.02},
                     {"cpu", 0.0002},
                     {"producers", 3},
                     {"capacity", 1},
                     {"io-slots", 3}});
  const auto r = measured(*k, "threads", 4);
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_EQ(whole(r, "max_in_io"), 3);
  EXPECT_EQ(whole(r, "max_queued"), 1);
}

TEST(pipeline, verifies_under_the_emulated_gil) {
  for (const std::string& name : promising()) {
    auto k = pipeline({{"items", 16}, {"duration", 0.001}, {"cpu", 0.001}});
    const auto r = measured(*k, name, 4, 0.005);
    EXPECT_TRUE(r.verified) << name << ": " << r.detail;
  }
}

TEST(pipeline, the_calibrated_rounds_are_recorded_and_given_rounds_are_kept) {
  auto k = pipeline({{"cpu", 0.001}});
  parlab::param_values v;
  const std::uint64_t rounds = k->resolved(v).count("cpu-rounds");
  EXPECT_GT(rounds, 1000U);  // 1 ms of a multiply chain is ~10^5-10^6 rounds
  auto fixed = pipeline({{"cpu-rounds", 12345}});
  EXPECT_EQ(fixed->resolved(v).count("cpu-rounds"), 12345U);
  const auto r = measured(*fixed, "threads", 2);
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_EQ(whole(r, "cpu_rounds"), 12345);
}

// The count is right but item 0 was consumed twice and item 1 never: only the checksum tells.
// The partial keeps its checksum in its last 8 bytes (kernels/pipeline.cpp).
TEST(pipeline, rejects_an_item_consumed_twice_and_another_never) {
  auto k = pipeline({{"items", 8}, {"duration", 0.001}, {"cpu-rounds", 100}});
  const parlab::reduce_task task = k->task();
  std::vector<std::byte> result(task.partial_size);
  parlab::find_backend("threads")->run(task, {.threads = 2, .all_at_once = true}, result.data());
  ASSERT_TRUE(k->verify(result.data()).ok);
  const parlab::cpu_stage cpu(100);
  std::uint64_t checksum = 0;
  std::memcpy(&checksum, result.data() + task.partial_size - 8, 8);
  checksum += cpu.run(parlab::scramble(1)) - cpu.run(parlab::scramble(2));
  std::memcpy(result.data() + task.partial_size - 8, &checksum, 8);
  const parlab::verdict v = k->verify(result.data());
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.detail.find("not the right ones"), std::string::npos) << v.detail;
}

// A fault injected into one role through the engine's own hooks: a consumer's CPU stage throws at
// a check point, or a producer's process dies in its wait. The other roles would run for ~2 s.
class faulty : public parlab::wait_hooks {
 public:
  explicit faulty(bool crash) : crash_(crash) {}
  void wait_until(const timespec& deadline) override {
    if (crash_ && ++waits_ == 3) std::raise(SIGKILL);
    parlab::sleep_until(deadline);
  }
  void check_point() override {
    if (!crash_ && ++checks_ == 50) throw std::runtime_error("consumer hit a bad item");
  }

 private:
  bool crash_;
  unsigned waits_ = 0, checks_ = 0;
};

parlab::reduce_task with_fault(const parlab::reduce_task& task, unsigned culprit, bool crash) {
  parlab::reduce_task t = task;
  t.role = [inner = task.role, culprit, crash](unsigned r, const parlab::role_split& s, void* p) {
    faulty hooks(crash);
    const parlab::scoped_hooks installed(r == culprit ? &hooks : nullptr);
    inner(r, s, p);
  };
  return t;
}

void expect_quick_failure(const std::string& backend, unsigned culprit, bool crash,
                          const std::string& message) {
  // 2 producers x 100 waits of 20 ms: 2 s unless the failure ends the run.
  auto k = pipeline({{"items", 200}, {"duration", 0.02}, {"cpu", 0.0005}});
  const parlab::reduce_task task = with_fault(k->task(), culprit, crash);
  std::vector<std::byte> result(task.partial_size);
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  try {
    parlab::find_backend(backend)->run(task, {.threads = 4, .all_at_once = true}, result.data());
  } catch (const std::exception& e) {
    error = e.what();
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  parlab::find_backend(backend)->release();
  EXPECT_NE(error.find(message), std::string::npos) << backend << ": " << error;
  EXPECT_LT(took, 1.5) << backend;
  EXPECT_TRUE(no_child_left()) << backend;
}

TEST(pipeline, a_throwing_consumer_fails_the_run_quickly_with_its_message) {
  for (const std::string& name : promising())
    expect_quick_failure(name, 2, false, "consumer hit a bad item");  // roles 2, 3 consume
}

TEST(pipeline, a_crashing_producer_process_fails_the_run_quickly_and_leaves_no_child) {
  for (const std::string& name :
       parlab::testing::backend_names([](const parlab::backend_traits& t) {
         return t.promises_concurrency && t.worker == parlab::worker_kind::process;
       }))
    expect_quick_failure(name, 1, true, "worker 1 was killed by signal SIGKILL");
}

TEST(pipeline, refuses_fewer_than_two_workers_and_producers_without_a_consumer) {
  auto k = pipeline({});
  parlab::param_values v;
  v.fill_defaults(k->params());
  EXPECT_NE(k->worker_problem(v, 1), "");
  EXPECT_EQ(k->worker_problem(v, 2), "");
  v.set("producers", 3);
  EXPECT_NE(k->worker_problem(v, 3), "");
  EXPECT_EQ(k->worker_problem(v, 4), "");
  EXPECT_THROW((void)k->task().split(1), parlab::usage_error);
}

}  // namespace
