// The runner's measurement with kernels of the test's own: a wrong result or a throwing body
// becomes a record (verified false, the reason in detail), the trust flags fire, and a sweep
// goes on past a failing point and ends with exit code 1. Weak scaling grows the size.
#include "runners/measure.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "parlab/engine.hpp"
#include "runners/fit.hpp"
#include "runners/options.hpp"
#include "tests/registered_backends.hpp"

namespace {

using namespace parlab::runner;
namespace fs = std::filesystem;

// Counts the chunks the body ran on: under a static schedule with no grain, one per worker.
// Its check refuses exactly `bad_chunks` chunks, so a sweep fails at that thread count only.
struct chunked_sum {
  std::uint64_t sum;
  std::uint64_t chunks;
};

class picky_kernel final : public parlab::typed_kernel<chunked_sum> {
 public:
  explicit picky_kernel(std::uint64_t bad_chunks, bool throw_in_body = false)
      : bad_chunks_(bad_chunks), throw_in_body_(throw_in_body) {}
  std::string_view name() const override { return "picky"; }
  std::string_view description() const override { return "test kernel"; }
  std::vector<parlab::param_spec> params() const override {
    return {{"size", parlab::param_kind::size, 12, "elements", 1}};
  }
  void prepare(const parlab::param_values& v) override {
    n_ = v.count("size");
    prepared_sizes.push_back(n_);
  }
  chunked_sum body(parlab::index_range r) const override {
    if (throw_in_body_) throw std::runtime_error("the body gave up on purpose");
    std::uint64_t s = 0;
    for (std::size_t i = r.begin; i < r.end; ++i) s += i;
    return {s, 1};
  }
  chunked_sum combine(const chunked_sum& a, const chunked_sum& b) const override {
    return {a.sum + b.sum, a.chunks + b.chunks};
  }
  parlab::verdict check(const chunked_sum& got) const override {
    const std::uint64_t want = n_ * (n_ - 1) / 2;
    const bool ok = got.sum == want && got.chunks != bad_chunks_;
    return {ok, "sum " + std::to_string(got.sum) + " in " + std::to_string(got.chunks) +
                    " chunks, expected " + std::to_string(want)};
  }
  parlab::work_amount work() const override { return {0, static_cast<double>(n_), 0}; }

  std::vector<std::uint64_t> prepared_sizes;

 protected:
  std::size_t task_size() const override { return n_; }

 private:
  std::uint64_t n_ = 0, bad_chunks_;
  bool throw_in_body_;
};

measure_options quick(unsigned threads, unsigned reps = 2) {
  measure_options m;
  m.reps = reps;
  m.warmup = 0;
  m.cores = 2;
  m.run.threads = threads;
  return m;
}

// The kernel prepared with `size` elements.
void prepare_size(picky_kernel& k, double size) {
  parlab::param_values v;
  v.set("size", size);
  k.prepare(v);
}

const parlab::backend& threads_backend() { return *parlab::find_backend("threads"); }

TEST(measure, a_verified_run_fills_the_statistics) {
  picky_kernel k(0);
  prepare_size(k, 1000);
  const record r = measure(k, "size=1000", threads_backend(), quick(2, 3));
  EXPECT_TRUE(r.verified) << r.detail;
  EXPECT_EQ(r.samples_s.size(), 3U);
  EXPECT_GT(r.median_s, 0);
  EXPECT_LE(r.min_s, r.median_s);
  EXPECT_GE(r.max_s, r.median_s);
  EXPECT_EQ(r.workers_seen, 2U);
  // Elements, not bytes: its bytes do not bound the loop (it streams no memory).
  EXPECT_EQ(r.throughput_unit, "Gelem/s");
  EXPECT_GT(r.gelem_per_s, 0);
  EXPECT_DOUBLE_EQ(r.throughput, r.gelem_per_s);
}

TEST(measure, a_wrong_result_is_a_record_with_verified_false_and_the_detail) {
  picky_kernel k(2);
  prepare_size(k, 12);
  const record r = measure(k, "size=12", threads_backend(), quick(2));
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.detail, "wrong result: sum 66 in 2 chunks, expected 66");
  EXPECT_EQ(r.backend, "threads");
  EXPECT_EQ(r.threads, 2U);
  EXPECT_EQ(r.kernel, "picky");
}

TEST(measure, a_throwing_body_is_a_record_with_the_message) {
  picky_kernel k(0, true);
  prepare_size(k, 12);
  for (const parlab::backend* b : parlab::backends()) {
    if (!parlab::testing::computes(b->traits())) continue;  // tests/async_test.cpp
    const record r = measure(k, "size=12", *b, quick(2));
    EXPECT_FALSE(r.verified) << b->name();
    EXPECT_NE(r.detail.find("the body gave up on purpose"), std::string::npos)
        << b->name() << ": " << r.detail;
  }
}

// Sleeps 30 ms on its first run and 3 ms after: a warm-up problem, not noise.
class slow_start_kernel final : public parlab::typed_kernel<std::uint64_t> {
 public:
  std::string_view name() const override { return "slow_start"; }
  std::string_view description() const override { return "test kernel"; }
  std::vector<parlab::param_spec> params() const override { return {}; }
  void prepare(const parlab::param_values&) override {}
  std::uint64_t body(parlab::index_range r) const override {
    const long ms = runs_.fetch_add(1) == 0 ? 30 : 3;
    timespec t{0, ms * 1'000'000};
    nanosleep(&t, nullptr);
    return r.size();
  }
  std::uint64_t combine(const std::uint64_t& a, const std::uint64_t& b) const override {
    return a + b;
  }
  parlab::verdict check(const std::uint64_t& got) const override { return {got == 1, "ran"}; }
  parlab::work_amount work() const override { return {0, 0, 1}; }

 protected:
  std::size_t task_size() const override { return 1; }

 private:
  mutable std::atomic<int> runs_{0};
};

TEST(measure, a_slow_first_rep_is_a_warmup_problem_not_noise) {
  slow_start_kernel k;
  const record r = measure(k, "", *parlab::find_backend("seq"), quick(1, 3));
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_TRUE(r.warmup_problem);
  // The mean-based cv jumps with the one slow rep. `noisy` is left to the other two reps' jitter
  // (the flag's robust spread ignores the outlier: statistics_test), which the machine decides.
  EXPECT_GT(r.cv, noisy_cv);
  EXPECT_EQ(r.throughput_unit, "tasks/s");
}

// A sweep into a scratch CSV, with the progress bar off.
class sweep_into_csv : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "parlab-sweep-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    o_.command = "sweep";
    o_.kernel = "picky";
    o_.backends = {"threads"};
    o_.threads = {1, 2, 3};
    o_.threads_spec = "1..3";
    o_.reps = 1;
    o_.warmup = 0;
    o_.format = output_format::csv;
    o_.output = (dir_ / "out.csv").string();
    o_.progress = false;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> csv_lines() const {
    std::ifstream in(o_.output);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  fs::path dir_;
  sweep_options o_;
};

TEST_F(sweep_into_csv, a_failing_point_becomes_a_row_and_the_sweep_goes_on_then_exits_1) {
  picky_kernel k(2);  // fails at 2 threads only
  EXPECT_EQ(run_sweep(o_, k), 1);
  const std::vector<std::string> l = csv_lines();
  ASSERT_EQ(l.size(), 5U);  // header, seq, threads x 1, 2, 3
  EXPECT_NE(l[1].find("picky,seq,1,"), std::string::npos);
  EXPECT_NE(l[2].find("picky,threads,1,"), std::string::npos);
  EXPECT_NE(l[3].find("picky,threads,2,"), std::string::npos);
  EXPECT_NE(l[3].find(",false,false,false,\"wrong result: sum 66 in 2 chunks"), std::string::npos)
      << l[3];
  EXPECT_NE(l[4].find("picky,threads,3,"), std::string::npos);
  EXPECT_NE(l[4].find(",true,"), std::string::npos) << l[4];
}

TEST_F(sweep_into_csv, all_verified_exits_0) {
  picky_kernel k(0);
  EXPECT_EQ(run_sweep(o_, k), 0);
  EXPECT_EQ(csv_lines().size(), 5U);
}

TEST_F(sweep_into_csv, weak_scaling_grows_the_size_with_the_threads_and_says_so) {
  picky_kernel k(0);
  o_.weak = true;
  o_.params.set("size", 1000);
  EXPECT_EQ(run_sweep(o_, k), 0);
  // Base size for the baseline (and t=1), then re-prepared per thread count.
  EXPECT_EQ(k.prepared_sizes, (std::vector<std::uint64_t>{1000, 2000, 3000}));
  const std::vector<std::string> l = csv_lines();
  ASSERT_EQ(l.size(), 5U);
  EXPECT_NE(l[1].find(",size=1000 weak=size,"), std::string::npos) << l[1];
  EXPECT_NE(l[3].find(",size=2000 weak=size,"), std::string::npos) << l[3];
  EXPECT_NE(l[4].find(",size=3000 weak=size,"), std::string::npos) << l[4];
}

TEST_F(sweep_into_csv, a_run_command_has_no_baseline_and_no_speedup) {
  picky_kernel k(0);
  o_.command = "run";
  o_.threads = {2};
  EXPECT_EQ(run_sweep(o_, k), 0);
  const std::vector<std::string> l = csv_lines();
  ASSERT_EQ(l.size(), 2U);
  EXPECT_NE(l[1].find("picky,threads,2,"), std::string::npos) << l[1];
}

}  // namespace

// ---- verdicts that can fail (issue 9) ----

// The test's own backends: a name like none of the registered ones, the traits given; each
// says only how it runs.
class test_backend : public parlab::backend {
 public:
  explicit test_backend(std::string_view name, parlab::backend_traits traits = {})
      : name_(name), traits_(traits) {}
  std::string_view name() const override { return name_; }
  std::string_view description() const override { return "test backend"; }
  parlab::backend_traits traits() const override { return traits_; }

 private:
  std::string_view name_;
  parlab::backend_traits traits_;
};

// A backend that computes the right result on its first run only, then reports a run without
// writing anything, on `workers` workers that shrink by one each run: what a broken backend
// looks like from the runner.
class forgetful_backend final : public test_backend {
 public:
  forgetful_backend() : test_backend("forgetful") {}

 protected:
  parlab::run_report execute(const parlab::reduce_task& task, const parlab::run_options& o,
                             void* result) const override {
    if (runs_++ == 0) task.evaluate({0, task.n}, result);
    return {o.threads - std::min(o.threads - 1, runs_ - 1), ""};
  }

 private:
  mutable unsigned runs_ = 0;
};

TEST(measure, a_run_that_writes_no_result_fails_instead_of_reverifying_the_last_one) {
  picky_kernel k(0);
  prepare_size(k, 1000);
  forgetful_backend b;
  measure_options o = quick(2, 2);
  o.warmup = 1;
  const record r = measure(k, "size=1000", b, o);
  EXPECT_FALSE(r.verified) << r.detail;
  EXPECT_NE(r.detail.find("wrong result"), std::string::npos) << r.detail;
}

// A backend that writes the right result and reports 3, 2, 1 workers on its reps.
class shrinking_backend final : public test_backend {
 public:
  shrinking_backend() : test_backend("shrinking") {}

 protected:
  parlab::run_report execute(const parlab::reduce_task& task, const parlab::run_options&,
                             void* result) const override {
    task.evaluate({0, task.n}, result);
    return {3 - std::min(2U, runs_++), ""};
  }

 private:
  mutable unsigned runs_ = 0;
};

TEST(measure, workers_seen_is_the_fewest_of_any_rep_and_each_rep_is_kept) {
  picky_kernel k(0);
  prepare_size(k, 1000);
  shrinking_backend b;
  const record r = measure(k, "size=1000", b, quick(3, 3));
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_EQ(r.workers_seen_reps, (std::vector<unsigned>{3, 2, 1}));
  EXPECT_EQ(r.workers_seen, 1U);  // not the maximum, 3: a rep ran on one worker
}

// A backend whose run holds a wait that is not the work (a job's ranks meeting at a barrier):
// it waits 50 ms, then times the work alone and reports that span as the rep's time.
class self_timed_backend final : public test_backend {
 public:
  self_timed_backend() : test_backend("self-timed") {}

 protected:
  parlab::run_report execute(const parlab::reduce_task& task, const parlab::run_options&,
                             void* result) const override {
    const timespec wait{0, 50'000'000};
    nanosleep(&wait, nullptr);
    task.evaluate({0, task.n}, result);
    parlab::run_report report{1, ""};
    report.timed_s = 0.001 * ++runs_;  // 1 ms, 2 ms, ...: told apart from any clock's reading
    return report;
  }

 private:
  mutable unsigned runs_ = 0;
};

TEST(measure, a_rep_the_backend_timed_itself_is_the_backends_span_not_the_runners_clock) {
  picky_kernel k(0);
  prepare_size(k, 1000);
  self_timed_backend b;
  const record r = measure(k, "size=1000", b, quick(1, 3));
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_EQ(r.samples_s, (std::vector<double>{0.001, 0.002, 0.003}));  // no 50 ms wait in them
}

TEST(measure, the_sum_kernel_reports_its_data_and_the_huge_pages_really_under_it) {
  auto k = parlab::find_kernel("sum")->make();
  parlab::param_values v;
  v.set("size", 4e6);  // 32 MB: 16 huge pages
  v.fill_defaults(k->params());
  k->prepare(v);
  const record r = measure(*k, "size=4e6", threads_backend(), quick(2, 1));
  ASSERT_TRUE(r.verified) << r.detail;
  EXPECT_GE(r.data_bytes, std::size_t{32'000'000});
  EXPECT_LE(r.huge_page_bytes, r.data_bytes);
  // THP "never" grants none; otherwise an advised, freshly faulted 32 MB array on a machine with
  // free memory gets them (the CI machines have 24 GiB and THP madvise).
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(thp, mode);
  if (mode.find("[never]") != std::string::npos)
    EXPECT_EQ(r.huge_page_bytes, 0U);
  else
    EXPECT_GT(r.huge_page_bytes, r.data_bytes / 2) << "THP: " << mode;
}

TEST(measure, pages_of_an_unadvised_mapping_are_not_counted_as_huge) {
  // A std::vector is not advised: under THP madvise none of it is huge, and pages() of an
  // empty huge_array is {0, 0}. Together with the test above, pages() reads the array's own range.
  const parlab::huge_array<std::int64_t> none;
  EXPECT_EQ(none.pages().bytes, 0U);
  EXPECT_EQ(none.pages().huge_bytes, 0U);
}

// ---- a backend is treated by what it declares, not by its name ----

// A backend of the test's own, named like none of the registered ones, declaring only traits.
class declared_backend final : public test_backend {
 public:
  explicit declared_backend(parlab::backend_traits t) : test_backend("solo-or-team", t) {}

 protected:
  parlab::run_report execute(const parlab::reduce_task& task, const parlab::run_options&,
                             void* result) const override {
    task.evaluate({0, task.n}, result);
    return {1, ""};
  }
};

TEST(measure, a_backend_that_ignores_the_thread_count_is_recorded_at_one_and_not_fitted) {
  picky_kernel k(0);
  prepare_size(k, 1000);
  const declared_backend solo(
      {.uses_thread_count = false, .worker = parlab::worker_kind::caller, .baseline = ""});
  const declared_backend team({.uses_thread_count = true, .baseline = ""});
  std::vector<record> records;
  for (unsigned t : {2U, 3U, 4U}) {
    record a = measure(k, "size=1000", solo, quick(t));
    record b = measure(k, "size=1000", team, quick(t));
    EXPECT_EQ(a.threads, 1U) << "asked for " << t;
    EXPECT_EQ(b.threads, t);
    for (record* r : {&a, &b}) {
      relate_to_baseline(*r, 1.0);
      r->speedup = 1.5;  // a point the fits would take
      records.push_back(*r);
    }
  }
  const std::vector<backend_fit> fits = fit_backends(records);
  ASSERT_EQ(fits.size(), 1U) << "only the backend that uses the thread count has a scaling";
  EXPECT_EQ(records[0].backend, records[1].backend);  // same name: only the traits differ
}

TEST(registry, the_reference_backend_is_the_one_that_ignores_the_thread_count) {
  EXPECT_FALSE(parlab::reference_backend().traits().uses_thread_count);
  for (const parlab::backend* b : parlab::backends()) {
    if (b->traits().worker == parlab::worker_kind::process) {
      EXPECT_FALSE(b->traits().shares_memory) << b->name();
    }
  }
}

TEST(measure, only_a_stream_from_memory_is_given_in_bytes_per_second) {
  for (const double intensity : {0.0, 16.0}) {
    auto k = parlab::find_kernel("sum")->make();
    parlab::param_values v;
    v.set("size", 1e5);
    v.set("intensity", intensity);
    v.fill_defaults(k->params());
    k->prepare(v);
    const record r = measure(*k, "size=1e5", threads_backend(), quick(2, 1));
    ASSERT_TRUE(r.verified) << r.detail;
    // At intensity 0 the loop is bounded by the bytes it reads; at 16 by its mixing rounds.
    EXPECT_EQ(r.throughput_unit, intensity == 0 ? "GB/s" : "Gelem/s") << intensity;
    EXPECT_GT(r.throughput, 0);
  }
}
