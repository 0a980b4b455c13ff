#pragma once
// Per-backend scaling models fitted to (threads, speedup) points by least squares.
#include <optional>
#include <string>
#include <vector>

#include "runners/record.hpp"

namespace parlab::runner {

// Below this R² a USL fit does not describe its points: its parameters are not findings, and
// the reporters print the fit as poor instead of printing them.
inline constexpr double usl_r_squared_floor = 0.9;

struct usl_fit {
  double sigma = 0;  // contention
  double kappa = 0;  // coherency (crosstalk)
  // sqrt((1 - sigma) / kappa); infinite when kappa = 0 (no retrograde region), NaN when
  // sigma >= 1 (the speedup never rises above 1, so there is no peak to speak of).
  double peak_threads = 0;
  double r_squared = 0;  // NaN when every speedup is the same: there is no variance to explain

  // The fit explains its points well enough for its parameters to mean something.
  [[nodiscard]] bool trusted() const { return r_squared >= usl_r_squared_floor; }
};

struct backend_fit {
  std::string backend;
  double best_speedup = 0;
  unsigned best_threads = 0;
  std::optional<double> amdahl_serial_fraction;     // strong scaling, 3+ thread counts
  std::optional<double> gustafson_serial_fraction;  // weak scaling, 3+ thread counts
  std::optional<usl_fit> usl;
  // The thread counts the models used, and those left out for running more workers than usable
  // CPUs: there the time measures the sharing of the CPUs, not the scaling (a USL "kappa" fitted
  // through them is the oversubscription).
  std::size_t usable_points = 0, oversubscribed_points = 0;
};

// Amdahl: S(p) = 1 / (f + (1 - f) / p), f in [0, 1], least squares over the points.
double fit_amdahl(const std::vector<double>& threads, const std::vector<double>& speedup);
// Gustafson, for weak scaling: scaled S(p) = p - s (p - 1), s in [0, 1], least squares.
double fit_gustafson(const std::vector<double>& threads, const std::vector<double>& speedup);
// USL: S(p) = p / (1 + sigma (p - 1) + kappa p (p - 1)), sigma, kappa >= 0.
usl_fit fit_usl(const std::vector<double>& threads, const std::vector<double>& speedup);

// One fit per backend that has verified records with a speedup; models need 3+ thread counts
// that are not oversubscribed (best_speedup looks at every point).
// Weak scaling fits Gustafson instead of Amdahl (Amdahl assumes a fixed problem size); the USL
// applies to both, its capacity being the scaled speedup under weak scaling.
std::vector<backend_fit> fit_backends(const std::vector<record>& records, bool weak = false);

}  // namespace parlab::runner
