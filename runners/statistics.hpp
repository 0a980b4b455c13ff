#pragma once
#include <span>
#include <vector>

namespace parlab::runner {

struct summary {
  double median = 0, min = 0, max = 0, mean = 0, stddev = 0, cv = 0;
};

// Median (mean of the middle two for an even count), min, max, sample standard deviation and
// coefficient of variation (stddev / mean).
summary summarize(std::span<const double> samples);

// Karp-Flatt experimentally determined serial fraction: (1/S - 1/p) / (1 - 1/p); 0 for p = 1.
double karp_flatt(double speedup, unsigned threads);

}  // namespace parlab::runner
