#include <fmt/color.h>
#include <fmt/format.h>

#include <cmath>

#include "runners/reporter.hpp"
#include "runners/units.hpp"

namespace parlab::runner {
namespace {

// Aligned rows that fit 80 columns, printed as each record completes; the fits follow.
class table_reporter final : public reporter {
 public:
  table_reporter(std::FILE* out, bool colour) : out_(out), colour_(colour) {}

  void begin(const json&, const json&) override {}

  void add(const record& r) override {
    if (r.kernel + r.params != heading_) {
      heading_ = r.kernel + r.params;
      fmt::print(out_, "\n{} {}  ({}, {} reps)\n", r.kernel, r.params, r.schedule, r.reps);
      fmt::print(out_, "{:<8} {:>4} {:>9} {:>9} {:>6} {:>7} {:>5} {:>13} {:>4}  {}\n", "backend",
                 "thr", "median", "min", "cv%", "speedup", "eff", "throughput", "seen", "ok");
    }
    const std::string speedup = r.speedup > 0 ? fmt::format("{:.2f}", r.speedup) : "-";
    const std::string eff = r.efficiency > 0 ? fmt::format("{:.2f}", r.efficiency) : "-";
    const std::string tput = r.throughput > 0 ? fmt::format("{:.3g} {}", r.throughput, r.throughput_unit) : "-";
    std::string flags;
    if (r.oversubscribed) flags += " over";
    if (r.noisy) flags += " noisy";
    if (r.warmup_problem) flags += " warmup";
    fmt::print(out_, "{:<8} {:>4} {:>9} {:>9} {:>6.1f} {:>7} {:>5} {:>13} {:>4}  ", r.backend,
               r.threads, r.samples_s.empty() ? "-" : format_duration(r.median_s),
               r.samples_s.empty() ? "-" : format_duration(r.min_s), r.cv * 100, speedup, eff,
               tput, r.workers_seen);
    if (r.verified)
      print_styled("yes", fmt::fg(fmt::terminal_color::green));
    else
      print_styled("NO", fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold);
    fmt::print(out_, "{}\n", flags);
    if (!r.verified) fmt::print(out_, "  error: {}\n", r.detail);
    if (r.ideal_s > 0 && r.verified)
      fmt::print(out_, "  ideal {} -> efficiency {:.3f}\n", format_duration(r.ideal_s),
                 r.ideal_s / r.median_s);
    std::fflush(out_);
  }

  void end(const std::vector<backend_fit>& fits) override {
    bool any_model = false;
    for (const backend_fit& f : fits) any_model = any_model || f.usl.has_value();
    if (!fits.empty()) {
      fmt::print(out_, "\n{:<8} {:>8} {:>5} {:>8} {:>8} {:>8} {:>6} {:>5}\n", "backend", "best",
                 "at", "amdahl_f", "sigma", "kappa", "peak", "R2");
      for (const backend_fit& f : fits) {
        fmt::print(out_, "{:<8} {:>8.2f} {:>5}", f.backend, f.best_speedup, f.best_threads);
        if (f.usl) {
          const std::string peak =
              std::isfinite(f.usl->peak_threads) ? fmt::format("{:.1f}", f.usl->peak_threads) : "inf";
          fmt::print(out_, " {:>8.4f} {:>8.4f} {:>8.5f} {:>6} {:>5.2f}\n", *f.amdahl_serial_fraction,
                     f.usl->sigma, f.usl->kappa, peak, f.usl->r_squared);
        } else {
          fmt::print(out_, " {:>8} {:>8} {:>8} {:>6} {:>5}\n", "-", "-", "-", "-", "-");
        }
      }
      if (!any_model) fmt::print(out_, "(Amdahl and USL fits need 3 or more thread counts)\n");
    }
    std::fflush(out_);
  }

 private:
  void print_styled(const char* text, fmt::text_style style) {
    if (colour_)
      fmt::print(out_, style, "{:<3}", text);
    else
      fmt::print(out_, "{:<3}", text);
  }

  std::FILE* out_;
  bool colour_;
  std::string heading_;
};

}  // namespace

std::unique_ptr<reporter> make_table_reporter(std::FILE* out, bool colour) {
  return std::make_unique<table_reporter>(out, colour);
}

}  // namespace parlab::runner
