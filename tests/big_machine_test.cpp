// The runner's counts, flags and fits at the core counts of machines this one is not (128 and
// 256 CPUs): the thread-count parser, pow2, the oversubscribed flag and the scaling fits.
#include <gtest/gtest.h>

#include <vector>

#include "parlab/registry.hpp"
#include "runners/fit.hpp"
#include "runners/measure.hpp"
#include "runners/units.hpp"

namespace {

using namespace parlab::runner;
using threads = std::vector<unsigned>;

TEST(big_machine, pow2_and_max_reach_128_and_256_cpus) {
  EXPECT_EQ(parse_threads("pow2", 128), threads({1, 2, 4, 8, 16, 32, 64, 128}));
  EXPECT_EQ(parse_threads("pow2", 256), threads({1, 2, 4, 8, 16, 32, 64, 128, 256}));
  EXPECT_EQ(parse_threads("pow2", 192), threads({1, 2, 4, 8, 16, 32, 64, 128, 192}));
  EXPECT_EQ(parse_threads("max", 256), threads({256}));
  EXPECT_EQ(parse_threads("1..256", 128).size(), 256U);
  EXPECT_EQ(parse_threads("64,128,256", 128), threads({64, 128, 256}));
}

record unmeasured_at(unsigned workers, unsigned cores) {
  measure_options o;
  o.run.threads = workers;
  o.cores = cores;
  const auto k = parlab::find_kernel("sum")->make();
  return unmeasured(*k, "", *parlab::find_backend("threads"), o, "");
}

TEST(big_machine, oversubscribed_starts_past_the_usable_cpus) {
  EXPECT_FALSE(unmeasured_at(128, 128).oversubscribed);
  EXPECT_TRUE(unmeasured_at(256, 128).oversubscribed);
  EXPECT_FALSE(unmeasured_at(256, 256).oversubscribed);
  EXPECT_TRUE(unmeasured_at(257, 256).oversubscribed);
  EXPECT_EQ(unmeasured_at(256, 128).cores, 128U);
}

TEST(big_machine, usl_and_amdahl_recover_their_parameters_from_a_sweep_to_256) {
  const std::vector<double> p{1, 2, 4, 8, 16, 32, 64, 128, 256};
  std::vector<double> usl, amdahl;
  for (double x : p) {
    usl.push_back(x / (1 + 0.01 * (x - 1) + 0.0001 * x * (x - 1)));
    amdahl.push_back(1 / (0.02 + 0.98 / x));
  }
  const usl_fit f = fit_usl(p, usl);
  EXPECT_NEAR(f.sigma, 0.01, 1e-6);
  EXPECT_NEAR(f.kappa, 0.0001, 1e-7);
  EXPECT_NEAR(f.peak_threads, 99.5, 0.5);  // sqrt(0.99 / 0.0001)
  EXPECT_NEAR(fit_amdahl(p, amdahl), 0.02, 1e-9);
}

TEST(big_machine, fit_backends_picks_the_best_of_256_threads) {
  std::vector<record> records;
  for (unsigned t : {1U, 16U, 64U, 128U, 256U}) {
    record r;
    r.backend = "threads";
    r.threads = t;
    r.speedup = t == 256 ? 100 : t * 0.9;  // past 128 cores the speedup falls back
    r.verified = true;
    records.push_back(r);
  }
  const std::vector<backend_fit> fits = fit_backends(records);
  ASSERT_EQ(fits.size(), 1U);
  EXPECT_EQ(fits[0].best_threads, 128U);
  EXPECT_DOUBLE_EQ(fits[0].best_speedup, 128 * 0.9);
  EXPECT_TRUE(fits[0].usl.has_value());
}

}  // namespace
