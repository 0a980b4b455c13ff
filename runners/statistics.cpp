#include "runners/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace parlab::runner {

double median_in_place(std::span<double> v) {
  const std::size_t n = v.size();
  if (n == 0) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (n % 2 == 1) return *mid;
  return (*std::max_element(v.begin(), mid) + *mid) / 2;  // the lower half's largest
}

summary summarize(std::span<const double> samples) {
  summary s;
  if (samples.empty()) return s;
  std::vector<double> v(samples.begin(), samples.end());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  s.median = median_in_place(v);
  s.min = v.front();
  s.max = v.back();
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(n);
  if (n > 1) {
    double sq = 0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(n - 1));
  }
  s.cv = s.mean > 0 ? s.stddev / s.mean : 0;
  for (double& x : v) x = std::abs(x - s.median);
  s.robust_cv = s.median > 0 ? 1.4826 * median_in_place(v) / s.median : 0;
  return s;
}

double karp_flatt(double speedup, unsigned threads) {
  if (threads <= 1 || speedup <= 0) return 0;
  const double p = threads;
  return (1 / speedup - 1 / p) / (1 - 1 / p);
}

namespace {

// C(n1 + n2, n1) as a double: the number of orders of the two samples.
double orders(std::size_t n1, std::size_t n2) {
  double c = 1;
  for (std::size_t i = 1; i <= std::min(n1, n2); ++i)
    c = c * static_cast<double>(std::max(n1, n2) + i) / static_cast<double>(i);
  return c;
}

struct ranked {
  double rank_sum_a = 0;  // the average ranks of a's values, summed
  double tie_term = 0;    // sum over groups of tied values of t^3 - t
};

// Ranks 1 .. n1 + n2 of the pooled values, ties sharing their average rank.
ranked rank(std::span<const double> a, std::span<const double> b) {
  std::vector<std::pair<double, bool>> pooled;  // value, from a
  for (double x : a) pooled.emplace_back(x, true);
  for (double y : b) pooled.emplace_back(y, false);
  std::sort(pooled.begin(), pooled.end());
  ranked r;
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i), average = static_cast<double>(i + j + 1) / 2;
    for (std::size_t k = i; k < j; ++k)
      if (pooled[k].second) r.rank_sum_a += average;
    r.tie_term += t * t * t - t;
    i = j;
  }
  return r;
}

// P(U >= u) under the null, summed on the short side: the distribution is symmetric about
// n1 n2 / 2, and the small counts of its tails are exact integers even where the middle ones
// are too large for a double.
double exact_upper_tail(double u, std::size_t n1, std::size_t n2) {
  const std::vector<double> counts = u_counts(n1, n2);
  const auto top = static_cast<double>(n1 * n2);
  const auto below = static_cast<std::size_t>(std::llround(top - u));  // P(U <= n1 n2 - u)
  double ways = 0;
  for (std::size_t k = 0; k <= below && k < counts.size(); ++k) ways += counts[k];
  return ways / orders(n1, n2);
}

}  // namespace

// The counts are the coefficients of the Gaussian binomial coefficient [n1 + n2 choose m]_q =
// prod over i = 1 .. m of (1 - q^(n + i)) / (1 - q^i), m = min(n1, n2), n = max(n1, n2): each
// step multiplies by one factor and divides by the other, and after step i the coefficients are
// those of [n + i choose i]_q, non-negative integers, so nothing cancels catastrophically.
std::vector<double> u_counts(std::size_t n1, std::size_t n2) {
  const std::size_t m = std::min(n1, n2), n = std::max(n1, n2), top = m * n;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1;
  for (std::size_t i = 1; i <= m; ++i) {
    for (std::size_t k = top; k >= n + i; --k) c[k] -= c[k - n - i];
    for (std::size_t k = i; k <= top; ++k) c[k] += c[k - i];
  }
  return c;
}

double smallest_p_value(std::size_t n1, std::size_t n2) {
  if (n1 == 0 || n2 == 0) return 1;
  return std::min(1.0, 2 / orders(n1, n2));
}

u_test mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  u_test t;
  const std::size_t n1 = a.size(), n2 = b.size();
  if (n1 == 0 || n2 == 0) return t;
  const ranked r = rank(a, b);
  const double n1d = static_cast<double>(n1), n2d = static_cast<double>(n2);
  t.u = r.rank_sum_a - n1d * (n1d + 1) / 2;
  const double u = std::max(t.u, n1d * n2d - t.u);  // the larger of U1 and U2: two-sided
  t.exact = (n1 <= 8 || n2 <= 8) && r.tie_term == 0;
  if (t.exact) {
    t.p_value = std::min(1.0, 2 * exact_upper_tail(u, n1, n2));
    return t;
  }
  const double n = n1d + n2d;
  const double sd = std::sqrt(n1d * n2d / 12 * ((n + 1) - r.tie_term / (n * (n - 1))));
  if (sd <= 0) return t;  // every value the same: nothing tells the samples apart
  const double z = (u - n1d * n2d / 2 - 0.5) / sd;
  t.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));  // 2 x the normal's upper tail
  return t;
}

namespace {

// A modulo's bias is below size / 2^64: nothing next to the bootstrap's own error.
double redraw_median(std::mt19937_64& rng, std::span<const double> from, std::vector<double>& to) {
  to.resize(from.size());
  for (double& x : to) x = from[rng() % from.size()];
  return median_in_place(to);
}

// The percentile interval of the resampled statistics, each end the order statistic on the
// outer side. NaNs (0 / 0 from samples of 0 s in a hand-edited file) are no statistic, and one
// would break the sort's ordering (it read out of bounds under the fuzzer).
interval percentile_interval(std::vector<double> stats, double confidence) {
  std::erase_if(stats, [](double x) { return std::isnan(x); });
  if (stats.empty()) return {};
  std::sort(stats.begin(), stats.end());
  const double last = static_cast<double>(stats.size() - 1);
  const auto at = [&](double index) { return stats[static_cast<std::size_t>(index)]; };
  return {at(std::floor(last * (1 - confidence) / 2)), at(std::ceil(last * (1 + confidence) / 2))};
}

}  // namespace

interval bootstrap_median_ratio(std::span<const double> a, std::span<const double> b,
                                double confidence, std::size_t resamples, std::uint64_t seed) {
  if (a.empty() || b.empty() || resamples == 0) return {};
  std::mt19937_64 rng(seed);  // specified bit for bit by the standard: the same interval anywhere
  std::vector<double> ratios, draw;
  ratios.reserve(resamples);
  for (std::size_t i = 0; i < resamples; ++i) {
    const double base = redraw_median(rng, a, draw);
    ratios.push_back(redraw_median(rng, b, draw) / base);
  }
  return percentile_interval(std::move(ratios), confidence);
}

interval bootstrap_median(std::span<const double> values, double confidence, std::size_t resamples,
                          std::uint64_t seed) {
  if (values.empty() || resamples == 0) return {};
  std::mt19937_64 rng(seed);
  std::vector<double> medians, draw;
  medians.reserve(resamples);
  for (std::size_t i = 0; i < resamples; ++i) medians.push_back(redraw_median(rng, values, draw));
  return percentile_interval(std::move(medians), confidence);
}

double smallest_signed_rank_p_value(std::size_t n) {
  return n >= 64 ? 0.0 : std::min(1.0, 2 / std::ldexp(1.0, static_cast<int>(n)));
}

namespace {

// P(W+ <= w) when each of the (doubled, so integer) ranks counts with either sign, equally
// likely: the number of sign choices whose positive ranks sum to at most w, over 2^n.
double signed_rank_lower_tail(const std::vector<std::size_t>& doubled_ranks, std::size_t w) {
  std::size_t total = 0;
  for (std::size_t r : doubled_ranks) total += r;
  std::vector<double> ways(total + 1, 0.0);
  ways[0] = 1;
  std::size_t reach = 0;
  for (std::size_t r : doubled_ranks) {
    reach += r;
    for (std::size_t k = reach; k >= r; --k) ways[k] += ways[k - r];
  }
  double below = 0;
  for (std::size_t k = 0; k <= std::min(w, total); ++k) below += ways[k];
  return below / std::ldexp(1.0, static_cast<int>(doubled_ranks.size()));
}

}  // namespace

u_test wilcoxon_signed_rank(std::span<const double> d) {
  u_test t;
  std::vector<std::pair<double, bool>> magnitudes;  // |d|, positive
  for (double x : d)
    if (x != 0 && !std::isnan(x)) magnitudes.emplace_back(std::abs(x), x > 0);
  const std::size_t n = magnitudes.size();
  if (n == 0) return t;
  std::sort(magnitudes.begin(), magnitudes.end());
  std::vector<std::size_t> doubled(n);  // 2 x the average rank: integers even when tied
  double tie_term = 0;
  std::size_t w_doubled = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && magnitudes[j].first == magnitudes[i].first) ++j;
    const double tied = static_cast<double>(j - i);
    tie_term += tied * tied * tied - tied;
    for (std::size_t k = i; k < j; ++k) {
      doubled[k] = i + j + 1;  // ranks i+1 .. j average (i + j + 1) / 2
      if (magnitudes[k].second) w_doubled += doubled[k];
    }
    i = j;
  }
  t.u = static_cast<double>(w_doubled) / 2;
  const double nd = static_cast<double>(n), mean = nd * (nd + 1) / 4;
  t.exact = n <= 50;
  if (t.exact) {
    // The distribution is symmetric about the mean: the tail on W+'s side, doubled.
    const std::size_t mirrored = static_cast<std::size_t>(std::llround(4 * mean)) - w_doubled;
    t.p_value = std::min(1.0, 2 * signed_rank_lower_tail(doubled, std::min(w_doubled, mirrored)));
    return t;
  }
  const double sd = std::sqrt(nd * (nd + 1) * (2 * nd + 1) / 24 - tie_term / 48);
  if (sd <= 0) return t;
  const double z = (std::abs(t.u - mean) - 0.5) / sd;
  t.p_value = std::min(1.0, std::erfc(std::max(z, 0.0) / std::sqrt(2.0)));
  return t;
}

}  // namespace parlab::runner
