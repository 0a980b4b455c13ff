#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace parlab::runner {

struct summary {
  double median = 0, min = 0, max = 0, mean = 0, stddev = 0, cv = 0;
  double robust_cv = 0;
};

// Median (mean of the middle two for an even count), min, max, sample standard deviation and
// coefficient of variation (stddev / mean); robust_cv, the median absolute deviation scaled to a
// normal's standard deviation (x 1.4826) over the median: one outlier among the reps moves cv
// but not it.
summary summarize(std::span<const double> samples);

// The median as summarize() defines it, reordering `values` (no copy: the bootstrap calls it
// for every resample); 0 for none.
double median_in_place(std::span<double> values);

// Karp-Flatt experimentally determined serial fraction: (1/S - 1/p) / (1 - 1/p); 0 for p = 1.
double karp_flatt(double speedup, unsigned threads);

// The two-sided Mann-Whitney U test of `a` against `b`, as scipy.stats.mannwhitneyu computes it
// by default (the call of Google Benchmark's tools/compare.py): the exact null distribution of U
// when one sample has at most 8 values and no value is tied, else the normal approximation with
// the tie correction and a continuity correction of 1/2.
struct u_test {
  double u = 0;  // U of `a`: the pairs (x in a, y in b) with x > y, ties counting 1/2
  double p_value = 1;
  bool exact = false;
};
u_test mann_whitney_u(std::span<const double> a, std::span<const double> b);

// The smallest two-sided p-value the exact test can give for samples of these sizes, reached
// when every value of one lies below every value of the other: 2 / C(n1 + n2, n1), at most 1.
// Above alpha, no outcome of so few samples can be significant.
double smallest_p_value(std::size_t n1, std::size_t n2);

// The number of ways U takes each value 0 .. n1 n2 among the C(n1 + n2, n1) equally likely
// orders of two untied samples: the null distribution the exact test sums.
std::vector<double> u_counts(std::size_t n1, std::size_t n2);

// A percentile bootstrap interval of median(b) / median(a): `resamples` times, each sample is
// drawn again with replacement (its own size, from a generator seeded with `seed`, so that the
// same inputs give the same interval) and the ratio of the medians taken; the interval is the
// (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of those ratios, each the order
// statistic on the outer side.
struct interval {
  double low = 0, high = 0;
};
interval bootstrap_median_ratio(std::span<const double> a, std::span<const double> b,
                                double confidence, std::size_t resamples, std::uint64_t seed);
// The same percentile bootstrap for the median of one sample (the paired ratios of interleaved
// rounds: each round's pair ran back to back, so the pair, not the rep, is the unit drawn).
interval bootstrap_median(std::span<const double> values, double confidence, std::size_t resamples,
                          std::uint64_t seed);

// The two-sided Wilcoxon signed-rank test that the differences `d` are centred on 0 (paired
// data: one difference per round). Zeros are dropped (Wilcoxon's rule), ties share their
// average rank; the exact null distribution (every sign equally likely) up to 50 differences,
// the normal approximation with the tie correction beyond. `u` holds W+, the ranks of the
// positive differences summed.
u_test wilcoxon_signed_rank(std::span<const double> d);
// The smallest two-sided p-value the exact signed-rank test gives for n pairs: every difference
// of one sign, 2 / 2^n, at most 1.
double smallest_signed_rank_p_value(std::size_t n);

}  // namespace parlab::runner
