// Every kernel x backend x threads {1, 2, 3, 8} x schedule gives the verified result, on the
// edge sizes too; a failing body fails the run with its message on every backend.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdint>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "parlab/engine.hpp"
#include "tests/children.hpp"
#include "tests/registered_backends.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using parlab::schedule;

// Sum of i over [0, n) through the typed entry point: small sizes, exact answer.
std::uint64_t triangle(std::uint64_t n) { return n == 0 ? 0 : n * (n - 1) / 2; }

class backend_matrix : public testing::TestWithParam<std::tuple<std::string, unsigned, schedule>> {
 protected:
  // forkpool keeps its processes between runs: end them so the child checks below hold.
  void TearDown() override {
    for (const parlab::backend* b : parlab::backends()) b->release();
  }
};

TEST_P(backend_matrix, sums_every_edge_size_exactly) {
  const auto& [name, threads, sched] = GetParam();
  const parlab::backend* b = parlab::find_backend(name);
  ASSERT_NE(b, nullptr);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  for (std::size_t n : {0UL, 1UL, 2UL, 7UL, 97UL, 65537UL, 1000003UL}) {
    for (std::size_t grain : {0UL, 1UL, 1000UL}) {
      const auto r = parlab::parallel_reduce(
          *b, {.threads = threads, .sched = sched, .grain = grain}, n, std::uint64_t{0},
          [](parlab::index_range range) {
            std::uint64_t s = 0;
            for (std::size_t i = range.begin; i < range.end; ++i) s += i;
            return s;
          },
          std::plus<>{});
      EXPECT_EQ(r.value, triangle(n))
          << name << " t=" << threads << " n=" << n << " grain=" << grain;
      const unsigned max_workers = b->traits().uses_thread_count ? threads : 1;
      EXPECT_LE(r.report.workers_seen, max_workers);
      EXPECT_LE(r.report.workers_seen, n);
      if (n > 0) {
        EXPECT_GE(r.report.workers_seen, 1U);
      }
      // Where the workers ran is measured: one CPU per worker seen, each one this process may use.
      EXPECT_EQ(r.report.worker_cpus.size(), r.report.workers_seen) << name << " n=" << n;
      for (const int cpu : r.report.worker_cpus)
        EXPECT_TRUE(cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed))
            << name << " " << cpu;
    }
  }
}

// A min reduction has a non-zero identity: a worker's first chunk must overwrite its slot (not
// combine with stale bytes), and an empty run must return the identity itself.
TEST_P(backend_matrix, a_min_reduction_gets_its_identity_only_when_empty) {
  const auto& [name, threads, sched] = GetParam();
  const parlab::backend* b = parlab::find_backend(name);
  constexpr std::uint64_t none = ~std::uint64_t{0};
  for (std::size_t n : {0UL, 1UL, 97UL, 65537UL}) {
    for (int rep = 0; rep < 2; ++rep) {  // a second run reuses forkpool's slots
      const auto r = parlab::parallel_reduce(
          *b, {.threads = threads, .sched = sched, .grain = 7}, n, none,
          [](parlab::index_range range) {
            std::uint64_t m = none;
            for (std::size_t i = range.begin; i < range.end; ++i) m = std::min(m, 1000 - i % 997);
            return m;
          },
          [](std::uint64_t x, std::uint64_t y) { return std::min(x, y); });
      const std::uint64_t want = n == 0 ? none : n < 997 ? 1000 - (n - 1) : 4;
      EXPECT_EQ(r.value, want) << name << " t=" << threads << " n=" << n << " rep=" << rep;
    }
  }
}

TEST_P(backend_matrix, kernels_verify) {
  const auto& [name, threads, sched] = GetParam();
  const parlab::backend* b = parlab::find_backend(name);
  for (const parlab::kernel_entry& entry : parlab::kernels()) {
    auto k = entry.make();
    const bool roles = k->traits().needs_concurrency;
    if (roles && !b->traits().promises_concurrency) continue;  // refused: tests/roles_test.cpp
    for (double size : {0.0, 1.0, 3.0, 101.0, 50021.0}) {
      const parlab::param_values values = parlab::testing::small_values(*k, size);
      if (!k->worker_problem(values, threads).empty()) continue;
      k->prepare(values);
      const parlab::reduce_task task = k->task();
      std::vector<std::byte> result(task.partial_size, std::byte{0xA5});
      b->run(task, {.threads = threads, .sched = sched, .all_at_once = roles}, result.data());
      const parlab::verdict verdict = k->verify(result.data());
      EXPECT_TRUE(verdict.ok) << entry.name << " on " << name << " t=" << threads
                              << " size=" << size << ": " << verdict.detail;
    }
  }
}

TEST_P(backend_matrix, a_throwing_body_fails_the_run_with_its_message) {
  const auto& [name, threads, sched] = GetParam();
  const parlab::backend* b = parlab::find_backend(name);
  const std::size_t n = 10000;
  try {
    parlab::parallel_reduce(
        *b, {.threads = threads, .sched = sched, .grain = 100}, n, 0L,
        [](parlab::index_range r) -> long {
          if (r.begin <= 7777 && 7777 < r.end) throw std::runtime_error("disk on fire at 7777");
          return static_cast<long>(r.size());
        },
        std::plus<>{});
    FAIL() << name << " did not report the failure";
  } catch (const parlab::run_error& e) {
    EXPECT_NE(std::string(e.what()).find("disk on fire at 7777"), std::string::npos) << e.what();
  }
}

std::string matrix_name(const testing::TestParamInfo<backend_matrix::ParamType>& info) {
  const auto& [name, threads, sched] = info.param;
  return name + "_t" + std::to_string(threads) + "_" + std::string(parlab::to_string(sched));
}

INSTANTIATE_TEST_SUITE_P(all, backend_matrix,
                         testing::Combine(testing::ValuesIn(parlab::testing::backend_names()),
                                          testing::Values(1U, 2U, 3U, 8U),
                                          testing::Values(schedule::static_, schedule::dynamic,
                                                          schedule::guided)),
                         matrix_name);

class process_backend : public testing::TestWithParam<std::string> {
 protected:
  void TearDown() override { parlab::find_backend(GetParam())->release(); }
};

TEST_P(process_backend, a_child_killed_by_a_signal_is_named_and_reaped) {
  const parlab::backend* b = parlab::find_backend(GetParam());
  try {
    parlab::parallel_reduce(
        *b, {.threads = 4, .sched = schedule::static_}, 4, 0L,
        [](parlab::index_range r) -> long {
          if (r.begin == 2) std::raise(SIGSEGV);
          return static_cast<long>(r.size());
        },
        std::plus<>{});
    FAIL() << "the crash was not reported";
  } catch (const parlab::run_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("SIGSEGV"), std::string::npos) << what;
    EXPECT_NE(what.find("worker 2"), std::string::npos) << what;
  }
  b->release();
  EXPECT_TRUE(parlab::testing::no_child_left());
}

TEST_P(process_backend, a_killed_child_fails_the_run_and_the_others_are_reaped) {
  const parlab::backend* b = parlab::find_backend(GetParam());
  EXPECT_THROW(parlab::parallel_reduce(
                   *b, {.threads = 3}, 3, 0L,
                   [](parlab::index_range r) -> long {
                     if (r.begin == 0) std::raise(SIGKILL);
                     return 1;
                   },
                   std::plus<>{}),
               parlab::run_error);
  b->release();
  EXPECT_TRUE(parlab::testing::no_child_left());
}

// The pool is reused between runs of one task and still gives the right answer each time.
TEST(forkpool_backend, reuses_its_workers_for_one_task_and_reforks_for_the_next) {
  const parlab::backend* b = parlab::find_backend("forkpool");
  auto k = parlab::find_kernel("sum")->make();
  parlab::param_values v;
  v.set("size", 100003);
  v.fill_defaults(k->params());
  k->prepare(v);
  const parlab::reduce_task task = k->task();
  for (int rep = 0; rep < 5; ++rep) {
    for (auto sched : {schedule::static_, schedule::dynamic, schedule::guided}) {
      std::uint64_t result = 0;
      const auto report = b->run(task, {.threads = 3, .sched = sched}, &result);
      EXPECT_TRUE(k->verify(&result).ok) << rep;
      // Under dynamic schedules a fast worker may claim every chunk before the others wake.
      if (sched == schedule::static_) {
        EXPECT_EQ(report.workers_seen, 3U);
      }
    }
  }
  v.set("size", 77);
  k->prepare(v);
  const parlab::reduce_task next = k->task();
  std::uint64_t result = 0;
  b->run(next, {.threads = 2}, &result);
  EXPECT_TRUE(k->verify(&result).ok);
  b->release();
  EXPECT_TRUE(parlab::testing::no_child_left());
}

INSTANTIATE_TEST_SUITE_P(
    all, process_backend,
    testing::ValuesIn(parlab::testing::backend_names(parlab::testing::runs_processes)));

// A hand-built task missing one of its functions is a usage error on every backend, before
// anything runs: a backend would otherwise call an empty std::function inside a worker.
TEST(reduce_task, a_missing_function_is_a_usage_error) {
  parlab::reduce_task task;
  task.n = 10;
  task.partial_size = sizeof(std::uint64_t);
  task.identity = [](void*) {};
  task.accumulate = [](parlab::index_range, void*) {};
  task.combine = [](void*, const void*) {};  // evaluate left out
  std::uint64_t result = 0;
  for (const parlab::backend* b : parlab::backends()) {
    try {
      (void)b->run(task, {.threads = 2}, &result);
      ADD_FAILURE() << b->name() << " ran a task with no evaluate";
    } catch (const parlab::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find("evaluate"), std::string::npos) << e.what();
    }
  }
}

TEST(registry, names_are_unique_and_match) {
  for (const parlab::kernel_entry& e : parlab::kernels()) EXPECT_EQ(e.make()->name(), e.name);
  EXPECT_EQ(parlab::backends().size(), 7U);
  EXPECT_EQ(parlab::find_backend("nope"), nullptr);
  EXPECT_EQ(parlab::find_kernel("nope"), nullptr);
}

}  // namespace

namespace {

cpu_set_t current_affinity() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  sched_getaffinity(0, sizeof mask, &mask);
  return mask;
}

// With --pin compact every worker runs on its own CPU (here each CPU the process may use, in
// order), the report names the placement, and the caller's affinity is back afterwards.
class pinned : public testing::TestWithParam<std::string> {};

TEST_P(pinned, workers_run_where_they_were_placed_and_the_caller_is_unpinned) {
  const parlab::backend* b = parlab::find_backend(GetParam());
  const cpu_set_t before = current_affinity();
  const unsigned cpus = static_cast<unsigned>(CPU_COUNT(&before));
  const unsigned threads = std::min(cpus, 4U);
  std::uint64_t expected = 0;  // the first `threads` allowed CPUs, as a bit mask
  for (int c = 0, taken = 0; c < 64 && taken < static_cast<int>(threads); ++c)
    if (CPU_ISSET(c, &before)) {
      expected |= std::uint64_t{1} << c;
      ++taken;
    }
  std::vector<int> order;  // worker w's CPU under compact: the w-th allowed CPU
  for (int c = 0; c < CPU_SETSIZE && order.size() < threads; ++c)
    if (CPU_ISSET(c, &before)) order.push_back(c);
  struct seen {
    std::uint64_t cpus;
    std::uint64_t misplaced;  // blocks that ran on another CPU than their worker's
  };
  const auto r = parlab::parallel_reduce(
      *b, {.threads = threads, .pin = parlab::pin_policy::compact}, threads * 1000, seen{0, 0},
      [&order](parlab::index_range range) {
        const int cpu = sched_getcpu();
        return seen{std::uint64_t{1} << cpu, cpu == order[range.begin / 1000] ? 0U : 1U};
      },
      [](seen a, seen c) {
        return seen{a.cpus | c.cpus, a.misplaced + c.misplaced};
      });
  EXPECT_EQ(r.value.cpus & ~expected, 0U) << GetParam();
  // A backend that does not promise one worker per block running at once (a task pool: TBB's
  // static_partitioner may give a block to another slot) need not place block w on CPU w.
  if (b->traits().promises_concurrency) {
    EXPECT_EQ(r.value.cpus, expected) << GetParam();
    EXPECT_EQ(r.value.misplaced, 0U) << GetParam();
  }
  EXPECT_EQ(r.report.placement.rfind("compact:", 0), 0U) << r.report.placement;
  const cpu_set_t after = current_affinity();
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
  b->release();
}

INSTANTIATE_TEST_SUITE_P(
    all, pinned, testing::ValuesIn(parlab::testing::backend_names(parlab::testing::uses_threads)));

}  // namespace
