#include "runners/fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace parlab::runner {
namespace {

double usl_speedup(double p, double sigma, double kappa) {
  return p / (1 + sigma * (p - 1) + kappa * p * (p - 1));
}

double residuals(const std::vector<double>& p, const std::vector<double>& s, double sigma,
                 double kappa) {
  double ss = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    ss += std::pow(s[i] - usl_speedup(p[i], sigma, kappa), 2);
  return ss;
}

double r_squared(const std::vector<double>& p, const std::vector<double>& s, double sigma,
                 double kappa) {
  double mean = 0;
  for (double v : s) mean += v;
  mean /= static_cast<double>(s.size());
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    ss_res += std::pow(s[i] - usl_speedup(p[i], sigma, kappa), 2);
    ss_tot += std::pow(s[i] - mean, 2);
  }
  return ss_tot > 0 ? 1 - ss_res / ss_tot : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

// Linearised: 1/S - 1/p = f (1 - 1/p), a one-parameter least squares through the origin.
double fit_amdahl(const std::vector<double>& threads, const std::vector<double>& speedup) {
  double xy = 0, xx = 0;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    const double x = 1 - 1 / threads[i];
    xy += x * (1 / speedup[i] - 1 / threads[i]);
    xx += x * x;
  }
  return xx > 0 ? std::clamp(xy / xx, 0.0, 1.0) : 0.0;
}

// Linearised: p - S = s (p - 1), a one-parameter least squares through the origin.
double fit_gustafson(const std::vector<double>& threads, const std::vector<double>& speedup) {
  double xy = 0, xx = 0;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    const double x = threads[i] - 1;
    xy += x * (threads[i] - speedup[i]);
    xx += x * x;
  }
  return xx > 0 ? std::clamp(xy / xx, 0.0, 1.0) : 0.0;
}

// Gunther's linearisation: p/S - 1 = sigma (p - 1) + kappa p (p - 1), least squares in
// (sigma, kappa) with both kept non-negative (a negative one is refitted at zero).
usl_fit fit_usl(const std::vector<double>& threads, const std::vector<double>& speedup) {
  double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    const double p = threads[i];
    const double x1 = p - 1, x2 = p * (p - 1), y = p / speedup[i] - 1;
    a11 += x1 * x1;
    a12 += x1 * x2;
    a22 += x2 * x2;
    b1 += x1 * y;
    b2 += x2 * y;
  }
  usl_fit f;
  const double det = a11 * a22 - a12 * a12;
  if (std::abs(det) > 1e-12 * std::max(1.0, a11 * a22)) {
    f.sigma = (b1 * a22 - b2 * a12) / det;
    f.kappa = (a11 * b2 - a12 * b1) / det;
  }
  if (f.sigma < 0 || f.kappa < 0 || std::abs(det) <= 1e-12 * std::max(1.0, a11 * a22)) {
    // Best one-parameter model among "kappa = 0" and "sigma = 0".
    const double s_only = a11 > 0 ? std::max(0.0, b1 / a11) : 0;
    const double k_only = a22 > 0 ? std::max(0.0, b2 / a22) : 0;
    // Compared by residuals, which stay defined when R² is not (equal speedups).
    const bool sigma_wins =
        !(residuals(threads, speedup, s_only, 0) > residuals(threads, speedup, 0, k_only));
    f.sigma = sigma_wins ? s_only : 0;
    f.kappa = sigma_wins ? 0 : k_only;
  }
  if (f.sigma >= 1)
    f.peak_threads = std::numeric_limits<double>::quiet_NaN();
  else if (f.kappa > 0)
    f.peak_threads = std::sqrt((1 - f.sigma) / f.kappa);
  else
    f.peak_threads = std::numeric_limits<double>::infinity();
  f.r_squared = r_squared(threads, speedup, f.sigma, f.kappa);
  return f;
}

std::vector<backend_fit> fit_backends(const std::vector<record>& records, bool weak) {
  // backend -> (workers, speedup): a sweep over ranks may reach one count two ways (2 x 1, 1 x 2)
  struct point {
    unsigned workers;
    double speedup;
    bool oversubscribed;
  };
  std::map<std::string, std::vector<point>> points;
  std::vector<std::string> order;
  std::set<std::string> unfit;  // speedups against more than one worker: no model fits them
  for (const record& r : records) {
    if (!r.verified || r.speedup <= 0 || !r.uses_thread_count) continue;
    if (r.speedup_base_threads > 1) unfit.insert(r.backend);
    if (!points.contains(r.backend)) order.push_back(r.backend);
    points[r.backend].push_back({workers(r), r.speedup, r.oversubscribed});
  }
  std::vector<backend_fit> fits;
  for (const std::string& b : order) {
    backend_fit f;
    f.backend = b;
    std::vector<double> p, s;
    for (const auto& [t, sp, over] : points[b]) {
      if (sp > f.best_speedup) {
        f.best_speedup = sp;
        f.best_threads = t;
      }
      ++(over ? f.oversubscribed_points : f.usable_points);
      if (over) continue;
      p.push_back(t);
      s.push_back(sp);
    }
    if (p.size() >= 3 && !unfit.contains(b)) {
      if (weak)
        f.gustafson_serial_fraction = fit_gustafson(p, s);
      else
        f.amdahl_serial_fraction = fit_amdahl(p, s);
      f.usl = fit_usl(p, s);
    }
    fits.push_back(std::move(f));
  }
  return fits;
}

}  // namespace parlab::runner
