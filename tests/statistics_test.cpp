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

TEST(summarize, robust_cv_is_the_scaled_median_absolute_deviation_over_the_median) {
  // Median 4.5; absolute deviations 2.5 .5 .5 .5 .5 .5 2.5 4.5, their median .5.
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_NEAR(summarize(v).robust_cv, 1.4826 * 0.5 / 4.5, 1e-12);
  // One rep ten times the others: cv near 1, the robust spread none.
  const std::vector<double> outlier{1, 1, 1, 1, 10};
  const summary s = summarize(outlier);
  EXPECT_GT(s.cv, 1);
  EXPECT_DOUBLE_EQ(s.robust_cv, 0);
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

namespace {

TEST(median_in_place, agrees_with_summarize_for_odd_and_even_counts) {
  std::vector<double> odd{5, 1, 4, 2, 3}, even{8, 1, 7, 2};
  EXPECT_DOUBLE_EQ(median_in_place(odd), 3);
  EXPECT_DOUBLE_EQ(median_in_place(even), 4.5);  // (2 + 7) / 2
  std::vector<double> none;
  EXPECT_DOUBLE_EQ(median_in_place(none), 0);
}

// The worked examples below were checked with this python3 (no scipy), which follows scipy's
// mannwhitneyu: the exact p-value by enumerating every order of the pooled values, the
// asymptotic one with the tie and continuity corrections.
//
//   import itertools, math
//   def ranks(v):
//       s = sorted(v); return {x: (s.index(x) + 1 + len(s) - s[::-1].index(x)) / 2 for x in v}
//   def mwu(a, b):
//       r = ranks(a + b); n1, n2 = len(a), len(b)
//       u1 = sum(r[x] for x in a) - n1 * (n1 + 1) / 2
//       u = max(u1, n1 * n2 - u1)
//       ties = sum(c**3 - c for c in (list(a + b).count(x) for x in set(a + b)))
//       if (n1 <= 8 or n2 <= 8) and ties == 0:
//           pool = a + b; hits = total = 0
//           for idx in itertools.combinations(range(n1 + n2), n1):
//               xs = [pool[i] for i in idx]
//               ys = [pool[i] for i in range(n1 + n2) if i not in idx]
//               uu = sum((x > y) + 0.5 * (x == y) for x in xs for y in ys)
//               total += 1; hits += uu >= u
//           return u1, min(1, 2 * hits / total), 'exact'
//       n = n1 + n2
//       s = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
//       return u1, min(1, math.erfc((u - n1 * n2 / 2 - 0.5) / s / math.sqrt(2))), 'asymptotic'

TEST(mann_whitney_u, exact_example_of_scipys_documentation) {
  // scipy.stats.mannwhitneyu's own example: U1 = 17; P(U >= 17) counts the orders with
  // U = 20, 19, 18, 17: 1 + 1 + 2 + 3 = 7 of C(9, 4) = 126, so p = 2 x 7 / 126 = 1/9.
  const std::vector<double> males{19, 22, 16, 29, 24}, females{20, 11, 17, 12};
  const u_test t = mann_whitney_u(males, females);
  EXPECT_TRUE(t.exact);
  EXPECT_DOUBLE_EQ(t.u, 17);
  EXPECT_NEAR(t.p_value, 1.0 / 9.0, 1e-12);
}

TEST(mann_whitney_u, samples_apart_reach_the_smallest_p_value) {
  // Every value of a below every value of b: U1 = 0, one order of C(10, 5) = 252 on each side.
  const std::vector<double> a{1, 2, 3, 4, 5}, b{6, 7, 8, 9, 10};
  const u_test t = mann_whitney_u(a, b);
  EXPECT_DOUBLE_EQ(t.u, 0);
  EXPECT_NEAR(t.p_value, 2.0 / 252.0, 1e-12);
  EXPECT_NEAR(smallest_p_value(5, 5), 2.0 / 252.0, 1e-12);
  EXPECT_NEAR(mann_whitney_u(b, a).p_value, 2.0 / 252.0, 1e-12);  // two-sided: symmetric
}

TEST(mann_whitney_u, ties_take_the_normal_approximation_with_the_tie_correction) {
  // Pooled 1 2 2 2 3 3 4 5: ranks 1, 3 (x3), 5.5 (x2), 7, 8; a's sum 12.5, U1 = 12.5 - 10 = 2.5,
  // U = 13.5. Ties 3^3 - 3 + 2^3 - 2 = 30: sd = sqrt(16/12 (9 - 30/56)) = 3.3594;
  // z = (13.5 - 8 - 0.5) / 3.3594 = 1.4884, p = erfc(z / sqrt 2) = 0.136658 (python above).
  const std::vector<double> a{1, 2, 2, 3}, b{2, 3, 4, 5};
  const u_test t = mann_whitney_u(a, b);
  EXPECT_FALSE(t.exact);
  EXPECT_DOUBLE_EQ(t.u, 2.5);
  EXPECT_NEAR(t.p_value, 0.13665824773814753, 1e-12);
}

TEST(mann_whitney_u, two_samples_above_eight_take_the_normal_approximation) {
  // a = 1..9, b = a + 4.5: no ties, U1 = 0+0+0+0+0+1+2+3+4 = 10, U = 71, mean 40.5,
  // sd = sqrt(81 x 19 / 12) = 11.3248, z = 30 / 11.3248 = 2.6491: p = 0.0080715 (python above).
  std::vector<double> a, b;
  for (int i = 1; i <= 9; ++i) {
    a.push_back(i);
    b.push_back(i + 4.5);
  }
  const u_test t = mann_whitney_u(a, b);
  EXPECT_FALSE(t.exact);
  EXPECT_DOUBLE_EQ(t.u, 10);
  EXPECT_NEAR(t.p_value, 0.008071487425268021, 1e-12);
}

TEST(mann_whitney_u, the_same_samples_give_p_one) {
  const std::vector<double> a{0.5, 0.25, 0.75, 1}, same{0.5, 0.25, 0.75, 1};
  EXPECT_DOUBLE_EQ(mann_whitney_u(a, same).p_value, 1);
  const std::vector<double> flat(6, 2.0);  // every value tied: the spread is zero
  EXPECT_DOUBLE_EQ(mann_whitney_u(flat, flat).p_value, 1);
  EXPECT_DOUBLE_EQ(mann_whitney_u(a, {}).p_value, 1);
}

TEST(smallest_p_value, three_against_three_can_never_reach_five_percent) {
  EXPECT_NEAR(smallest_p_value(3, 3), 0.1, 1e-12);  // 2 / C(6, 3) = 2 / 20
  EXPECT_NEAR(smallest_p_value(4, 4), 2.0 / 70.0, 1e-12);
  EXPECT_DOUBLE_EQ(smallest_p_value(1, 1), 1);  // 2 / 2
  EXPECT_DOUBLE_EQ(smallest_p_value(0, 5), 1);
}

// The counts of U against every order of the two samples, enumerated: an algorithm of its own.
std::vector<double> enumerated_u_counts(std::size_t n1, std::size_t n2) {
  std::vector<double> counts(n1 * n2 + 1, 0);
  std::vector<bool> in_first(n1 + n2, false);
  std::fill(in_first.begin(), in_first.begin() + static_cast<std::ptrdiff_t>(n1), true);
  do {  // position i holds value i; U counts pairs whose first-sample value is larger
    std::size_t u = 0;
    for (std::size_t i = 0; i < in_first.size(); ++i)
      for (std::size_t j = 0; j < i; ++j) u += in_first[i] && !in_first[j] ? 1 : 0;
    counts[u] += 1;
  } while (std::prev_permutation(in_first.begin(), in_first.end()));
  return counts;
}

TEST(u_counts, match_an_enumeration_of_every_order) {
  const std::vector<double> three{1, 1, 2, 3, 3, 3, 3, 2, 1, 1};  // by hand, 20 orders
  EXPECT_EQ(u_counts(3, 3), three);
  for (const auto& [n1, n2] : {std::pair<std::size_t, std::size_t>{4, 5}, {2, 7}, {6, 6}, {1, 3}})
    EXPECT_EQ(u_counts(n1, n2), enumerated_u_counts(n1, n2)) << n1 << " vs " << n2;
  EXPECT_EQ(u_counts(5, 2), u_counts(2, 5));
}

TEST(bootstrap_median_ratio, constant_samples_give_a_point) {
  const std::vector<double> a(5, 2.0), b(7, 3.0);
  const interval i = bootstrap_median_ratio(a, b, 0.95, 1000, 1);
  EXPECT_DOUBLE_EQ(i.low, 1.5);
  EXPECT_DOUBLE_EQ(i.high, 1.5);
}

// Samples of 0 s (a result file edited by hand; the fuzzer found it) give 0 / 0: no ratio. Before,
// the NaNs went into the sort, whose ordering they break, and it read out of bounds.
TEST(bootstrap_median_ratio, samples_of_zero_give_no_interval_and_no_crash) {
  const std::vector<double> zeros(40, 0.0), some{0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0};
  const interval none = bootstrap_median_ratio(zeros, zeros, 0.95, 2000, 1);
  EXPECT_EQ(none.low, 0);
  EXPECT_EQ(none.high, 0);
  const interval partly = bootstrap_median_ratio(some, some, 0.95, 2000, 1);
  EXPECT_FALSE(std::isnan(partly.low));
  EXPECT_FALSE(std::isnan(partly.high));
}

TEST(bootstrap_median_ratio, lands_on_the_quantiles_of_the_exact_bootstrap_distribution) {
  // Three values resampled: the median is the smallest with probability 7/27 (two or three
  // draws of it), the middle 13/27, the largest 7/27. The ratio's exact distribution, from
  //   import itertools, statistics
  //   from fractions import Fraction as F
  //   def dist(s):
  //       d = {}
  //       for t in itertools.product(s, repeat=len(s)):
  //           m = statistics.median(t); d[m] = d.get(m, 0) + F(1, len(s)**len(s))
  //       return d
  //   r = {}
  //   for x, px in dist([10, 11, 13]).items():
  //       for y, py in dist([20, 23, 26]).items(): r[F(y, x)] = r.get(F(y, x), 0) + px * py
  // has the cumulative 20/13 0.067, 23/13 0.192, 20/11 0.317, 2 0.451, 23/11 0.683, 23/10 0.808,
  // 26/11 0.933, 13/5 1: its 2.5% and 97.5% quantiles are 20/13 and 13/5, its 25% and 75%
  // 20/11 and 23/10, each far from a step for 10000 resamples (standard error 0.004).
  const std::vector<double> a{10, 11, 13}, b{20, 23, 26};
  const interval wide = bootstrap_median_ratio(a, b, 0.95, 10000, 7);
  EXPECT_DOUBLE_EQ(wide.low, 20.0 / 13.0);
  EXPECT_DOUBLE_EQ(wide.high, 13.0 / 5.0);
  const interval half = bootstrap_median_ratio(a, b, 0.5, 10000, 7);
  EXPECT_DOUBLE_EQ(half.low, 20.0 / 11.0);
  EXPECT_DOUBLE_EQ(half.high, 23.0 / 10.0);
}

TEST(bootstrap_median_ratio, the_same_seed_gives_the_same_interval) {
  const std::vector<double> a{1.0, 1.1, 0.9, 1.05, 0.97}, b{2.1, 1.9, 2.0, 2.3, 1.8};
  const interval first = bootstrap_median_ratio(a, b, 0.95, 2000, 42);
  const interval again = bootstrap_median_ratio(a, b, 0.95, 2000, 42);
  EXPECT_EQ(first.low, again.low);
  EXPECT_EQ(first.high, again.high);
  EXPECT_LT(first.low, 2.0);  // the point estimate 2.0 / 1.0 lies inside
  EXPECT_GT(first.high, 2.0);
}

TEST(bootstrap_median, constant_values_give_a_point_and_the_median_lies_inside) {
  const std::vector<double> same{1.5, 1.5, 1.5};
  const interval point = bootstrap_median(same, 0.95, 1000, 1);
  EXPECT_EQ(point.low, 1.5);
  EXPECT_EQ(point.high, 1.5);
  const std::vector<double> spread{0.9, 1.0, 1.1, 0.95, 1.05, 1.02, 0.98};
  const interval around = bootstrap_median(spread, 0.95, 2000, 3);
  EXPECT_LE(around.low, 1.0);
  EXPECT_GE(around.high, 1.0);
  EXPECT_GE(around.low, 0.9);
  EXPECT_LE(around.high, 1.1);
}

// scipy.stats.wilcoxon's documented example: the differences of 15 pairs of plant heights, two
// of them negative (ranks 10 and 14): W- = 24, exact two-sided p = 0.0412597656.
TEST(wilcoxon_signed_rank, exact_example_of_scipys_documentation) {
  const std::vector<double> d{6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
  const u_test t = wilcoxon_signed_rank(d);
  EXPECT_TRUE(t.exact);
  EXPECT_DOUBLE_EQ(t.u, 120 - 24);
  EXPECT_NEAR(t.p_value, 0.041259765625, 1e-12);
}

TEST(wilcoxon_signed_rank, one_sign_throughout_reaches_the_smallest_p_value) {
  const std::vector<double> up{0.1, 0.3, 0.2, 0.05, 0.4, 0.15, 0.25, 0.35, 0.12, 0.22};
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(up).p_value, 2.0 / 1024);
  EXPECT_DOUBLE_EQ(smallest_signed_rank_p_value(10), 2.0 / 1024);
  EXPECT_DOUBLE_EQ(smallest_signed_rank_p_value(5), 2.0 / 32);  // above 0.05: too few rounds
  EXPECT_DOUBLE_EQ(smallest_signed_rank_p_value(0), 1.0);
}

TEST(wilcoxon_signed_rank, zeros_are_dropped_and_a_balanced_sample_gives_p_one) {
  const std::vector<double> d{0, 1, -1, 2, -2, 0};
  const u_test t = wilcoxon_signed_rank(d);
  EXPECT_DOUBLE_EQ(t.p_value, 1.0);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(std::vector<double>{0, 0}).p_value, 1.0);
}

// Tied magnitudes share their average rank: the exact p is the share of the 2^n sign choices
// whose W+ lies at least as far from the mean, counted here one by one.
TEST(wilcoxon_signed_rank, ties_match_an_enumeration_of_every_sign_choice) {
  const std::vector<double> d{1, 1, -1, 2, 3, 3, 4};
  const std::vector<double> ranks{2, 2, 2, 4, 5.5, 5.5, 7};  // magnitudes 1,1,1,2,3,3,4
  double w = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d[i] > 0) w += ranks[i];
  const double mean = 28.0 / 2;  // half of the ranks' total
  std::size_t as_far = 0;
  for (unsigned signs = 0; signs < (1u << d.size()); ++signs) {
    double sum = 0;
    for (std::size_t i = 0; i < d.size(); ++i)
      if ((signs >> i) & 1u) sum += ranks[i];
    if (std::abs(sum - mean) >= std::abs(w - mean) - 1e-9) ++as_far;
  }
  const u_test t = wilcoxon_signed_rank(d);
  EXPECT_DOUBLE_EQ(t.u, w);
  EXPECT_NEAR(t.p_value, static_cast<double>(as_far) / (1u << d.size()), 1e-12);
}

TEST(wilcoxon_signed_rank, many_pairs_take_the_normal_approximation) {
  std::vector<double> d;
  for (int i = 1; i <= 60; ++i) d.push_back(i % 3 == 0 ? -i : i);
  const u_test t = wilcoxon_signed_rank(d);
  EXPECT_FALSE(t.exact);
  EXPECT_GT(t.p_value, 0);
  EXPECT_LT(t.p_value, 0.05);  // two thirds positive, the larger ranks spread alike
}

}  // namespace
