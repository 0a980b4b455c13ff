// The scaling models fitted by least squares recover the parameters of synthetic data.
#include "runners/fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "parlab/registry.hpp"

namespace {

using namespace parlab::runner;

std::vector<double> one_to(unsigned n) {
  std::vector<double> p;
  for (unsigned i = 1; i <= n; ++i) p.push_back(i);
  return p;
}

std::vector<double> usl(const std::vector<double>& p, double sigma, double kappa) {
  std::vector<double> s;
  for (double x : p) s.push_back(x / (1 + sigma * (x - 1) + kappa * x * (x - 1)));
  return s;
}

TEST(fit_usl, recovers_known_sigma_and_kappa) {
  const std::vector<double> p = one_to(64);
  const usl_fit f = fit_usl(p, usl(p, 0.05, 0.001));
  EXPECT_NEAR(f.sigma, 0.05, 1e-6);
  EXPECT_NEAR(f.kappa, 0.001, 1e-6);
  EXPECT_NEAR(f.peak_threads, std::sqrt(0.95 / 0.001), 1e-3);
  EXPECT_NEAR(f.r_squared, 1, 1e-9);
}

TEST(fit_usl, recovers_them_from_a_pow2_sweep_too) {
  const std::vector<double> p{1, 2, 4, 8, 16, 32, 64};
  const usl_fit f = fit_usl(p, usl(p, 0.02, 0.0005));
  EXPECT_NEAR(f.sigma, 0.02, 1e-6);
  EXPECT_NEAR(f.kappa, 0.0005, 1e-6);
}

TEST(fit_usl, pure_contention_has_no_peak) {
  const std::vector<double> p = one_to(16);
  const usl_fit f = fit_usl(p, usl(p, 0.1, 0));
  EXPECT_NEAR(f.sigma, 0.1, 1e-9);
  EXPECT_NEAR(f.kappa, 0, 1e-9);
  EXPECT_TRUE(std::isinf(f.peak_threads));
}

TEST(fit_usl, superlinear_data_keeps_both_coefficients_non_negative) {
  const std::vector<double> p{1, 2, 4, 8};
  const usl_fit f = fit_usl(p, {1, 2.3, 4.9, 10.1});
  EXPECT_GE(f.sigma, 0);
  EXPECT_GE(f.kappa, 0);
}

TEST(fit_amdahl, recovers_the_serial_fraction) {
  const std::vector<double> p{1, 2, 4, 8, 16};
  for (double f : {0.0, 0.05, 0.1, 0.5}) {
    std::vector<double> s;
    for (double x : p) s.push_back(1 / (f + (1 - f) / x));
    EXPECT_NEAR(fit_amdahl(p, s), f, 1e-9) << f;
  }
}

TEST(fit_amdahl, stays_within_zero_and_one) {
  const std::vector<double> p{1, 2, 4};
  EXPECT_GE(fit_amdahl(p, {1, 2.5, 6}), 0);    // superlinear
  EXPECT_LE(fit_amdahl(p, {1, 0.5, 0.2}), 1);  // slowdown
}

TEST(fit_gustafson, recovers_the_serial_fraction_of_a_scaled_speedup) {
  const std::vector<double> p{1, 2, 4, 8};
  std::vector<double> s;
  for (double x : p) s.push_back(x - 0.2 * (x - 1));
  EXPECT_NEAR(fit_gustafson(p, s), 0.2, 1e-12);
}

record point(const std::string& backend, unsigned threads, double speedup, bool verified = true) {
  record r;
  r.backend = backend;
  // As the runner records it: from the registered backend's traits.
  r.uses_thread_count = parlab::find_backend(backend)->traits().uses_thread_count;
  r.threads = threads;
  r.speedup = speedup;
  r.verified = verified;
  return r;
}

TEST(fit_backends, one_fit_per_backend_in_order_seq_and_failures_left_out) {
  const std::vector<record> records{
      point("seq", 1, 1),        point("omp", 1, 1), point("omp", 2, 1.9), point("omp", 4, 3.4),
      point("omp", 8, 0, false), point("tbb", 1, 1), point("tbb", 2, 1.8)};
  const std::vector<backend_fit> fits = fit_backends(records);
  ASSERT_EQ(fits.size(), 2U);
  EXPECT_EQ(fits[0].backend, "omp");
  EXPECT_DOUBLE_EQ(fits[0].best_speedup, 3.4);
  EXPECT_EQ(fits[0].best_threads, 4U);
  EXPECT_TRUE(fits[0].amdahl_serial_fraction.has_value());  // 3 points
  EXPECT_TRUE(fits[0].usl.has_value());
  EXPECT_FALSE(fits[0].gustafson_serial_fraction.has_value());
  EXPECT_EQ(fits[1].backend, "tbb");
  EXPECT_FALSE(fits[1].amdahl_serial_fraction.has_value());  // 2 points: no model
  EXPECT_FALSE(fits[1].usl.has_value());
}

// On 2 CPUs, t = 3 and 4 share them: their times measure the sharing, and a USL fitted through
// them reads it as coherency. The models use the usable counts only; the best speedup sees all.
TEST(fit_backends, oversubscribed_points_are_left_out_of_the_models) {
  std::vector<record> records{point("fork", 1, 1), point("fork", 2, 1.9), point("fork", 3, 2.1),
                              point("fork", 4, 1.7)};
  records[2].oversubscribed = records[3].oversubscribed = true;
  const std::vector<backend_fit> fits = fit_backends(records);
  ASSERT_EQ(fits.size(), 1U);
  EXPECT_EQ(fits[0].usable_points, 2U);
  EXPECT_EQ(fits[0].oversubscribed_points, 2U);
  EXPECT_FALSE(fits[0].amdahl_serial_fraction.has_value());  // 2 usable: no model
  EXPECT_FALSE(fits[0].usl.has_value());
  EXPECT_DOUBLE_EQ(fits[0].best_speedup, 2.1);
  EXPECT_EQ(fits[0].best_threads, 3U);
  // With a third usable count the models come back, still without the oversubscribed ones.
  records[2].oversubscribed = false;
  const std::vector<backend_fit> three = fit_backends(records);
  EXPECT_EQ(three[0].usable_points, 3U);
  EXPECT_TRUE(three[0].usl.has_value());
}

TEST(fit_backends, weak_scaling_fits_gustafson_not_amdahl) {
  const std::vector<record> records{point("omp", 1, 1), point("omp", 2, 1.8), point("omp", 4, 3.4)};
  const std::vector<backend_fit> fits = fit_backends(records, true);
  ASSERT_EQ(fits.size(), 1U);
  EXPECT_FALSE(fits[0].amdahl_serial_fraction.has_value());
  ASSERT_TRUE(fits[0].gustafson_serial_fraction.has_value());
  EXPECT_NEAR(*fits[0].gustafson_serial_fraction, 0.2, 1e-9);
  EXPECT_TRUE(fits[0].usl.has_value());
}

}  // namespace

// ---- figures that are undefined print as such (issue 9) ----

TEST(fit_usl, equal_speedups_leave_r_squared_undefined_not_one) {
  const usl_fit f = fit_usl({1, 2, 4, 8}, {1.5, 1.5, 1.5, 1.5});
  EXPECT_TRUE(std::isnan(f.r_squared)) << f.r_squared;
  EXPECT_FALSE(f.trusted());
}

TEST(fit_usl, contention_above_one_has_no_peak_rather_than_an_infinite_one) {
  // Speedups that fall as threads are added: sigma 1.5 (the old code printed its NaN peak as inf).
  const std::vector<double> p{1, 2, 4, 8};
  const usl_fit f = fit_usl(p, usl(p, 1.5, 0));
  EXPECT_NEAR(f.sigma, 1.5, 1e-6);
  EXPECT_TRUE(std::isnan(f.peak_threads)) << f.peak_threads;
}

TEST(fit_usl, a_fit_below_the_floor_is_not_trusted) {
  const usl_fit f = fit_usl({1, 2, 3, 4, 5, 6}, {1, 3, 1.2, 3.5, 1.1, 3.9});
  EXPECT_LT(f.r_squared, usl_r_squared_floor);
  EXPECT_FALSE(f.trusted());
  EXPECT_TRUE(fit_usl(one_to(16), usl(one_to(16), 0.05, 0.001)).trusted());
}
