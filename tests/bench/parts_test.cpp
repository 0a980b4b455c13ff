// The benchmark suite's own checks, run through the suite's code (parlab_bench_parts): results
// poisoned before every engine run, worker counts measured in the baselines' bodies, the
// process pool baseline, and the one array that every fork child of the suite inherits.
#include <benchmark/benchmark.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/baselines.hpp"
#include "bench/caches.hpp"
#include "bench/suite.hpp"
#include "parlab/backend.hpp"
#include "parlab/registry.hpp"

namespace parlab::bench {
namespace {

struct outcome {
  std::string error;  // empty when the benchmark ran and verified
  std::map<std::string, double> counters;
};

class capture final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      outcome& o = results[r.run_name.function_name];
      o.error = r.error_occurred ? r.error_message : "";
      for (const auto& [name, c] : r.counters) o.counters[name] = c.value;
    }
  }
  std::map<std::string, outcome> results;  // by family/impl
};

// Runs what was registered since the last call, briefly, and forgets it.
std::map<std::string, outcome> run_registered() {
  [[maybe_unused]] static const bool initialized = [] {
    static char name[] = "parts_test", min_time[] = "--benchmark_min_time=0.01";
    static char* argv[] = {name, min_time, nullptr};
    int argc = 2;
    benchmark::Initialize(&argc, argv);
    return true;
  }();
  capture c;
  benchmark::RunSpecifiedBenchmarks(&c);
  benchmark::ClearRegisteredBenchmarks();
  return c.results;
}

engine_case sum_case(std::size_t n) {
  engine_case c{"sum", find_kernel("sum"), {}, {"size"}, {static_cast<std::int64_t>(n)}};
  c.values.set("size", static_cast<double>(n));
  c.values.set("intensity", 0);
  c.values.fill_defaults(c.kernel->make()->params());
  c.beside_baselines = true;
  return c;
}

// Writes a correct result on its first run (the warm-up) and nothing after. Its later runs take
// 20 ms, twice --benchmark_min_time: Google Benchmark then calls the benchmark once, so the only
// result written is the warm-up's, in the same buffer the timed run leaves unwritten.
class writes_once final : public backend {
 public:
  std::string_view name() const override { return "writes_once"; }
  std::string_view description() const override { return "test: silent after one run"; }
  backend_traits traits() const override {
    return {.uses_thread_count = false, .worker = worker_kind::caller, .baseline = ""};
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& o, void* result) const override {
    if (runs_++ == 0) return find_backend("seq")->run(task, o, result);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return {1, {}};
  }

 private:
  mutable unsigned runs_ = 0;
};

TEST(bench_engine, a_backend_that_stops_writing_fails_verification) {
  prepared store;
  const writes_once silent;
  register_engine(sum_case(1000), silent, 1, store);
  register_engine(sum_case(1000), *find_backend("seq"), 1, store);
  const auto results = run_registered();
  ASSERT_EQ(results.count("sum/writes_once"), 1U);
  EXPECT_NE(results.at("sum/writes_once").error.find("wrong result"), std::string::npos);
  EXPECT_EQ(results.at("sum/seq").error, "");
  EXPECT_EQ(results.at("sum/seq").counters.at("workers_seen"), 1);
}

TEST(bench_slots, poisoned_slots_fail_the_sum_and_count_no_worker) {
  std::vector<slot> slots(2);
  poison_slots(slots);
  EXPECT_EQ(distinct_ids(slots), 0U);
  EXPECT_NE(total(slots), 0U);
  slots[0] = {5, 1234};  // one of two workers wrote
  EXPECT_EQ(distinct_ids(slots), 1U);
  EXPECT_NE(total(slots), 5U);
}

TEST(bench_slots, a_thread_on_two_slots_counts_once) {
  const std::vector<slot> slots{{1, 77}, {2, 77}, {3, 78}};
  EXPECT_EQ(distinct_ids(slots), 2U);
  EXPECT_EQ(total(slots), 6U);
}

TEST(bench_slots, this_thread_id_differs_between_threads) {
  std::uint64_t other = 0;
  std::thread([&] { other = this_thread_id(); }).join();
  EXPECT_NE(this_thread_id(), other);
  EXPECT_EQ(this_thread_id(), this_thread_id());
}

TEST(bench_baselines, report_the_workers_they_saw) {
  prepared store;
  for (const char* impl : {"omp", "tbb", "threads", "fork", "procpool"})
    ASSERT_TRUE(register_baseline(impl, 100'000, 0, 2, store)) << impl;
  ASSERT_TRUE(register_baseline("plain", 100'000, 0, 1, store));
  const auto results = run_registered();
  ASSERT_EQ(results.size(), 6U);
  for (const auto& [name, o] : results) {
    EXPECT_EQ(o.error, "") << name;
    const double seen = o.counters.at("workers_seen");
    if (name == "baseline_sum/plain")
      EXPECT_EQ(seen, 1) << name;
    else if (name == "baseline_sum/tbb")  // a worker may arrive too late for a short call
      EXPECT_TRUE(seen == 1 || seen == 2) << name << " saw " << seen;
    else
      EXPECT_EQ(seen, 2) << name;
    EXPECT_EQ(o.counters.count("huge_fraction"), 1U) << name;
  }
}

TEST(bench_baselines, procpool_is_forkpools_own_and_leaves_no_child) {
  EXPECT_EQ(own_baseline(*find_backend("forkpool")), "procpool");
  EXPECT_EQ(own_baseline(*find_backend("fork")), "fork");
  prepared store;
  ASSERT_TRUE(register_baseline("procpool", 10'000, 0, 2, store));
  const auto results = run_registered();
  EXPECT_EQ(results.at("baseline_sum/procpool").error, "");
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(bench_spawn, baselines_count_their_workers_as_the_engine_does_and_leave_no_child) {
  prepared store;
  for (const unsigned workers : {2U, 8U}) {
    ASSERT_TRUE(register_spawn_baseline("threads", workers, 0, store));
    ASSERT_TRUE(register_spawn_baseline("fork", workers, 0, store));
  }
  EXPECT_FALSE(register_spawn_baseline("procpool", 2, 0, store));
  engine_case c{"spawn", find_kernel("spawn"), {}, {}, {}};
  register_engine(c, *find_backend("threads"), 8, store);
  const auto results = run_registered();
  ASSERT_EQ(results.size(), 3U);  // two baselines (names without arguments) and the engine
  for (const auto& [name, o] : results) {
    EXPECT_EQ(o.error, "") << name;
    EXPECT_GT(o.counters.at("spawn_us_per_worker"), 0) << name;
  }
  // The last registered of each name ran last: 8 workers, the caller counted as one of them.
  EXPECT_EQ(results.at("baseline_spawn/threads").counters.at("workers_seen"), 8);
  EXPECT_EQ(results.at("baseline_spawn/fork").counters.at("workers_seen"), 8);
  EXPECT_EQ(results.at("spawn/threads").counters.at("workers_seen"), 8);
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// The lock is held where workers share the process, and bypassed by forked workers.
TEST(bench_gil, an_engine_case_runs_under_the_emulated_gil) {
  prepared store;
  engine_case c = sum_case(100'000);
  c.family = "sum_gil";
  c.gil_interval = std::chrono::milliseconds(5);
  register_engine(c, *find_backend("threads"), 2, store);
  register_engine(c, *find_backend("fork"), 2, store);
  const auto results = run_registered();
  for (const char* name : {"sum_gil/threads", "sum_gil/fork"}) {
    ASSERT_EQ(results.count(name), 1U) << name;
    EXPECT_EQ(results.at(name).error, "") << name;
  }
  EXPECT_EQ(results.at("sum_gil/threads").counters.at("gil_held"), 1);
  EXPECT_EQ(results.at("sum_gil/fork").counters.at("gil_held"), 0);
}

// Which of two addresses a child forked now has mapped: bit 0 for a, bit 1 for b.
int child_maps(const void* a, const void* b) {
  const pid_t pid = fork();
  if (pid == 0) {
    auto mapped = [](const void* p) { return msync(const_cast<void*>(p), 4096, MS_ASYNC) == 0; };
    _exit((mapped(a) ? 1 : 0) | (mapped(b) ? 2 : 0));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(bench_fork_scope, fork_children_of_the_suite_inherit_one_array) {
  prepared store;
  const engine_case c = sum_case(1'000'000);
  const auto [k, task] = store.kernels.get(*c.kernel, c.values);
  const void* baselines = store.data.get(1'000'000).data();
  ASSERT_EQ(k.data_arrays().size(), 1U);
  const void* kernel_data = k.data_arrays()[0]->data();
  EXPECT_EQ(child_maps(baselines, kernel_data), 2) << "the engine's children: the kernel's data";
  {
    const baselines_fork_scope scope(store);
    EXPECT_EQ(child_maps(baselines, kernel_data), 1) << "a baseline's children: its own array";
  }
  EXPECT_EQ(child_maps(baselines, kernel_data), 2) << "restored";
}

}  // namespace
}  // namespace parlab::bench
