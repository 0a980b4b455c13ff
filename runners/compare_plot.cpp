#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "parlab/error.hpp"
#include "runners/compare.hpp"
#include "runners/gnuplot.hpp"

namespace parlab::runner {
namespace {

namespace fs = std::filesystem;

// Bars the reader can tell apart without the table: red slower, green faster, grey the rest.
unsigned colour_of(change c) {
  if (c == change::slower) return 0xc0392b;
  if (c == change::faster) return 0x27ae60;
  return 0x95a5a6;
}

// The pairs that have an interval: both records verified.
std::vector<const entry*> drawn(const comparison& c) {
  std::vector<const entry*> bars;
  for (const entry& e : c.entries)
    if (e.in_base && e.in_new && e.resamples > 0) bars.push_back(&e);
  return bars;
}

// "threads t=2", prefixed with what it measured when the bars come from several groups.
std::string label(const entry& e, bool several_groups) {
  const std::string point = fmt::format("{} t={}", e.id.backend, e.id.threads);
  return several_groups ? heading(e.id) + ", " + point : point;
}

void write_data(const fs::path& dir, const std::vector<const entry*>& bars) {
  std::set<std::string> groups;
  for (const entry* e : bars) groups.insert(heading(e->id));
  std::ofstream out(dir / "ratios.dat");
  out << "# index label ratio low high colour\n";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    std::string text = label(*bars[i], groups.size() > 1);
    std::replace(text.begin(), text.end(), '"', '\'');  // a data file's strings are "quoted"
    out << fmt::format("{} \"{}\" {:.6g} {:.6g} {:.6g} {}\n", i, text, bars[i]->ratio,
                       bars[i]->ratio_ci.low, bars[i]->ratio_ci.high, colour_of(bars[i]->result));
  }
}

void write_script(const fs::path& dir, const std::string& path, const comparison& c,
                  std::size_t bars) {
  const std::string data = gnuplot::quoted((dir / "ratios.dat").string());
  const double t = c.options.threshold;
  std::ofstream out(dir / "plot.gp");
  out << gnuplot::terminal_commands(
             path, fmt::format("{},460", std::max<std::size_t>(600, 90 * bars + 200)))
      << "set output " << gnuplot::quoted(path) << "\n"
      << "set title "
      << gnuplot::quoted(fmt::format("{} -> {}: new median / base median, "
                                     "{:g}% bootstrap interval",
                                     c.base_path, c.new_path, (1 - c.options.alpha) * 100))
      << "\n"
      << "set ylabel 'time ratio (above 1: slower)'\nset grid ytics\nset yrange [0:*]\n"
      << fmt::format("set xrange [-0.6:{}]\n", static_cast<double>(bars) - 0.4)
      << "set style fill solid 0.7 border lc rgb 'gray30'\nset boxwidth 0.6\n"
      << "set xtics rotate by -30 nomirror\nset key top left opaque\n"
      << "plot " << data << " using 1:3:6:xtic(2) with boxes lc rgb variable notitle, \\\n"
      << "  " << data << " using 1:3:4:5 with yerrorbars lc rgb 'black' pt 0 notitle, \\\n"
      << "  1 with lines lc rgb 'gray20' title 'no change', \\\n"
      << fmt::format("  {:g} with lines dt 2 lc rgb '#c0392b' title '{:g}% slower', \\\n", 1 + t,
                     t * 100)
      << fmt::format("  {:g} with lines dt 2 lc rgb '#27ae60' title '{:g}% faster'\n", 1 / (1 + t),
                     t * 100);
  if (!out)
    throw run_error(
        fmt::format("--plot '{}': cannot write the gnuplot script in {}", path, dir.string()));
}

}  // namespace

void draw_compare_plot(const std::string& path, const comparison& c) {
  const std::vector<const entry*> bars = drawn(c);
  if (bars.empty())
    throw run_error(
        fmt::format("--plot '{}': nothing to draw: no pair whose records both verified", path));
  const fs::path dir = gnuplot::make_temp_dir(path);
  write_data(dir, bars);
  write_script(dir, path, c, bars.size());
  gnuplot::run(path, dir);
}

}  // namespace parlab::runner
