// Summaries and derived metrics against values computed by hand.
#include "runners/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "runners/measure.hpp"

namespace {

using namespace parlab::runner;

TEST(summarize, median_of_an_odd_count_is_the_middle_value) {
  const std::vector<double> v{3, 1, 2};
  const summary s = summarize(v);
  EXPECT_DOUBLE_EQ(s.median, 2);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 3);
  EXPECT_DOUBLE_EQ(s.mean, 2);
}

TEST(summarize, median_of_an_even_count_is_the_mean_of_the_middle_two) {
  const std::vector<double> v{4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(summarize(v).median, 2.5);
  const std::vector<double> w{10, 0};
  EXPECT_DOUBLE_EQ(summarize(w).median, 5);
}

TEST(summarize, sample_standard_deviation_and_cv) {
  // Mean 5; squared deviations sum to 32; sample variance 32 / 7.
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  const summary s = summarize(v);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_NEAR(s.cv, std::sqrt(32.0 / 7.0) / 5, 1e-12);
}

TEST(summarize, one_sample_has_no_spread_and_none_gives_zeros) {
  const std::vector<double> one{0.25};
  const summary s = summarize(one);
  EXPECT_DOUBLE_EQ(s.median, 0.25);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
  EXPECT_DOUBLE_EQ(s.cv, 0);
  const summary none = summarize({});
  EXPECT_DOUBLE_EQ(none.median, 0);
  EXPECT_DOUBLE_EQ(none.cv, 0);
}

TEST(karp_flatt, matches_hand_computed_values) {
  EXPECT_NEAR(karp_flatt(1.6, 2), 0.25, 1e-12);     // (1/1.6 - 1/2) / (1 - 1/2)
  EXPECT_NEAR(karp_flatt(3, 4), 1.0 / 9.0, 1e-12);  // (1/3 - 1/4) / (3/4)
  EXPECT_NEAR(karp_flatt(4, 4), 0, 1e-12);          // perfect scaling: no serial part
  EXPECT_NEAR(karp_flatt(1, 8), 1, 1e-12);          // no speedup at all: all serial
  EXPECT_DOUBLE_EQ(karp_flatt(1.0, 1), 0);          // undefined at p = 1: reported 0
  EXPECT_DOUBLE_EQ(karp_flatt(0, 4), 0);            // a failed run has no speedup
}

TEST(karp_flatt, recovers_the_serial_fraction_of_an_amdahl_machine) {
  const double f = 0.1;
  for (unsigned p : {2U, 4U, 8U, 64U}) {
    const double speedup = 1 / (f + (1 - f) / p);
    EXPECT_NEAR(karp_flatt(speedup, p), f, 1e-12) << p;
  }
}

parlab::runner::record point(unsigned threads, double median) {
  record r;
  r.threads = threads;
  r.median_s = median;
  r.verified = true;
  return r;
}

TEST(relate_to_baseline, strong_scaling_speedup_efficiency_and_karp_flatt) {
  record r = point(4, 0.5);
  relate_to_baseline(r, 1.6);
  EXPECT_DOUBLE_EQ(r.speedup, 3.2);
  EXPECT_DOUBLE_EQ(r.efficiency, 0.8);
  EXPECT_NEAR(r.karp_flatt, karp_flatt(3.2, 4), 1e-15);
}

TEST(relate_to_baseline, weak_scaling_gives_the_scaled_speedup) {
  // 4 threads on 4x the work in 1.25x the base time: scaled speedup 4 / 1.25 = 3.2.
  record r = point(4, 1.25);
  relate_to_baseline(r, 1.0, scaling::weak);
  EXPECT_DOUBLE_EQ(r.speedup, 3.2);
  EXPECT_DOUBLE_EQ(r.efficiency, 0.8);  // T_seq / T_p
  EXPECT_DOUBLE_EQ(r.karp_flatt, 0);    // defined for a fixed size only
}

TEST(relate_to_baseline, a_failed_run_or_a_missing_baseline_gets_no_speedup) {
  record failed = point(2, 0.5);
  failed.verified = false;
  relate_to_baseline(failed, 1.0);
  EXPECT_DOUBLE_EQ(failed.speedup, 0);
  record no_base = point(2, 0.5);
  relate_to_baseline(no_base, 0);
  EXPECT_DOUBLE_EQ(no_base.speedup, 0);
  EXPECT_DOUBLE_EQ(no_base.efficiency, 0);
}

}  // namespace
