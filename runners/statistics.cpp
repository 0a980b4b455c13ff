#include "runners/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace parlab::runner {

summary summarize(std::span<const double> samples) {
  summary s;
  if (samples.empty()) return s;
  std::vector<double> v(samples.begin(), samples.end());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  s.median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.min = v.front();
  s.max = v.back();
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(n);
  if (n > 1) {
    double sq = 0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(n - 1));
  }
  s.cv = s.mean > 0 ? s.stddev / s.mean : 0;
  return s;
}

double karp_flatt(double speedup, unsigned threads) {
  if (threads <= 1 || speedup <= 0) return 0;
  const double p = threads;
  return (1 / speedup - 1 / p) / (1 - 1 / p);
}

}  // namespace parlab::runner
