#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "parlab/error.hpp"
#include "runners/gnuplot.hpp"
#include "runners/reporter.hpp"

namespace parlab::runner {
namespace {

namespace fs = std::filesystem;

struct point {
  unsigned workers = 0;
  double speedup = 0, efficiency = 0;
};

// Writes the scaling of a sweep as a gnuplot script plus one data file per backend into a
// private temporary directory, then runs gnuplot on it. Failure is a run_error (exit 1), raised
// only at end(), after the other sinks wrote their output.
class plot_reporter final : public reporter {
 public:
  explicit plot_reporter(std::string path) : path_(std::move(path)) {}

  void begin(const json& machine, const json& config) override {
    weak_ = config.value("weak", false);
    over_ranks_ = config.contains("ranks") && !config["ranks"].empty();
    usable_cpus_ = machine.value("usable_cpus", 0U);
    title_ = fmt::format(
        "{} {}{}: {} scaling on {} ({} usable cpus)", config.value("kernel", std::string()),
        config.value("params_text", std::string()),
        weak_ ? ", " + config.value("weak_param", std::string()) + " x threads" : "",
        weak_ ? "weak" : "strong", machine.value("cpu_model", std::string("?")), usable_cpus_);
  }

  void add(const record& r) override {
    if (!r.verified || r.speedup <= 0 || !r.uses_thread_count) return;
    // Over ranks, one line per threads-per-rank: each shows how adding ranks scales.
    const std::string series =
        over_ranks_ ? fmt::format("{} t={}", r.backend, r.threads) : r.backend;
    if (!points_.contains(series)) order_.push_back(series);
    points_[series].push_back({workers(r), r.speedup, r.efficiency});
  }

  void end(const std::vector<backend_fit>&) override {
    if (order_.empty())
      throw run_error(
          fmt::format("--plot '{}': nothing to draw: no verified run has a speedup", path_));
    const fs::path dir = gnuplot::make_temp_dir(path_);
    write_data(dir);
    write_script(dir);
    gnuplot::run(path_, dir);
  }

  // Starting gnuplot after --timeout or a signal gave up would overrun what the user asked.
  void abandon(const std::vector<backend_fit>&, const stop_reason&) override {}

 private:
  void write_data(const fs::path& dir) const {
    for (const std::string& b : order_) {
      std::ofstream out(dir / (b + ".dat"));
      out << "# workers speedup efficiency\n";
      for (const point& p : points_.at(b))
        out << fmt::format("{} {:.6g} {:.6g}\n", p.workers, p.speedup, p.efficiency);
    }
  }

  unsigned max_workers() const {
    unsigned t = 2;
    for (const auto& [b, pts] : points_)
      for (const point& p : pts) t = std::max(t, p.workers);
    return t;
  }

  // One panel: the ideal line, then each backend's points from column `column` of its file.
  std::string panel(const fs::path& dir, const std::string& ideal, int column,
                    const std::string& ylabel) const {
    std::string s =
        fmt::format("set ylabel {}\nplot {} with lines dt 2 lw 1.5 lc rgb 'gray50' title 'ideal'",
                    gnuplot::quoted(ylabel), ideal);
    for (const std::string& b : order_)
      s += fmt::format(", \\\n  {} using 1:{} with linespoints lw 2 pt 7 ps 0.8 title {}",
                       gnuplot::quoted((dir / (b + ".dat")).string()), column, gnuplot::quoted(b));
    return s + "\n";
  }

  // Whole thread counts on the x axis, base 2 when the range is wide (pow2 sweeps).
  std::string axes() const {
    const unsigned top = max_workers();
    std::string s = fmt::format(
        "set grid\nset xlabel '{}'\nset yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\n"
        "set xrange [1:{}]\nset samples {}\n",
        over_ranks_ ? "workers (ranks x threads)" : "threads", top, std::max(2U, top));
    s += top >= 16 ? "set logscale x 2\n" : "set xtics 1\n";
    if (usable_cpus_ > 0 && top > usable_cpus_)  // where oversubscription starts
      s += fmt::format(
          "set arrow 1 from {0},graph 0 to {0},graph 1 nohead dt 3 lc rgb 'gray30'\n"
          "set label 1 'usable cpus' at {0},graph 0.04 offset 0.5,0\n",
          usable_cpus_);
    return s;
  }

  // Two panels side by side; one key, on the speedup panel, serves both.
  void write_script(const fs::path& dir) const {
    std::ofstream out(dir / "plot.gp");
    out << gnuplot::terminal_commands(path_, "1100,460") << "set output " << gnuplot::quoted(path_)
        << "\n";
    out << "set multiplot layout 1,2 title " << gnuplot::quoted(title_) << "\n" << axes();
    out << "set key top left opaque box lc rgb 'gray80'\n";
    out << panel(dir, "x", 2, weak_ ? "scaled speedup (p T_seq / T_p)" : "speedup (T_seq / T_p)");
    out << "unset key\n";
    out << panel(dir, "1", 3,
                 weak_ ? "efficiency (T_seq / T_p)" : "efficiency (speedup / threads)");
    out << "unset multiplot\n";
    if (!out)
      throw run_error(
          fmt::format("--plot '{}': cannot write the gnuplot script in {}", path_, dir.string()));
  }

  std::string path_;
  bool weak_ = false;
  bool over_ranks_ = false;  // a sweep over ranks: x is ranks x threads
  unsigned usable_cpus_ = 0;
  std::string title_;
  std::vector<std::string> order_;
  std::map<std::string, std::vector<point>> points_;
};

}  // namespace

std::unique_ptr<reporter> make_plot_reporter(std::string path) {
  return std::make_unique<plot_reporter>(std::move(path));
}

}  // namespace parlab::runner
